using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi dashboard` as a user starts it: usage errors exit 2 before anything listens; a real start prints its URL and serves the runs.</summary>
[Collection("cli")]
public sealed class DashboardCommandTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-dashboard-cli");
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ANonLoopbackHostWithoutATokenAndAMissingFolderAreRefusedWithExitCodeTwo()
    {
        Directory.CreateDirectory(_dir.File("runs"));
        var (code, _, err) = CliRunner.Run("dashboard", "--runs", _dir.File("runs"), "--host", "0.0.0.0");
        Assert.Equal(2, code);
        Assert.Contains("--host 0.0.0.0 is reachable from other machines: pass --token", err);
        (code, _, err) = CliRunner.Run("dashboard", "--runs", _dir.File("nosuch"));
        Assert.Equal(2, code);
        Assert.Contains("no such directory", err);
    }

    [Fact]
    public async Task StartedOnPortZero_PrintsItsUrl_AndServesTheRunsUnderTheFolder()
    {
        var run = _dir.File("runs/pretrain");
        Directory.CreateDirectory(run);
        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), Enumerable.Range(1, 7).Select(s => $$"""{"step":{{s}},"loss":{{5.0 - s * 0.1}},"lr":0.001,"tokens":{{s * 4096}}}"""));
        var log = new StringBuilder();
        using var p = SynthTestKit.Start(log, "dashboard", "--runs", _dir.File("runs"), "--port", "0");
        try
        {
            var clock = Stopwatch.StartNew();
            string? url = null;
            while (url is null && clock.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited)
            {
                lock (log) url = log.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("Dashboard: http", StringComparison.Ordinal))?["Dashboard: ".Length..].Trim();
                await Task.Delay(50);
            }
            Assert.True(url is not null, $"no 'Dashboard: URL' line:\n{log}");
            using var http = new HttpClient();
            var runs = JsonNode.Parse(await http.GetStringAsync(url + "api/runs"))!.AsArray();
            var listed = Assert.Single(runs)!;
            Assert.Equal("pretrain", (string)listed["id"]!);
            Assert.Equal(7, (int)listed["last_step"]!);
            Assert.Contains("<title>Tsumugi dashboard</title>", await http.GetStringAsync(url));
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
    }
}
