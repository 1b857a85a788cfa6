using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// The other two ways a run ends early — Ctrl-C (SIGINT) and items whose requests fail for good — leave an output that
/// --resume finishes: what was done is sealed and kept, the rest is asked for then.
/// </summary>
[Collection("cli")]
public sealed class SynthInterruptTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-synth-interrupt");
    public void Dispose() => _dir.Dispose();

    static string Answer(IReadOnlyList<(string Role, string Content)> messages) => $"答え: {messages[^1].Content}";

    static string[] Questions(int n) => Enumerable.Range(0, n).Select(i => $"質問{i}: パッケージ{i * 13}の設定は？").ToArray();

    [Fact]
    public async Task CtrlC_SealsWhatIsDoneAndExitsOne_ThenResumeFinishes()
    {
        var questions = Questions(30);
        SynthTestKit.WriteInstructions(_dir.File("inputs.jsonl"), questions);
        await using var server = await FaultyChatServer.StartAsync(Answer, _ => ChatFault.Slow(TimeSpan.FromMilliseconds(100)));
        File.WriteAllText(_dir.File("synth.yaml"), SynthTestKit.RegenerateConfig(server.BaseUrl, "inputs.jsonl", concurrency: 2));
        var output = _dir.File("out");
        var log = new StringBuilder();
        using (var p = SynthTestKit.Start(log, "synth", "run", "--config", _dir.File("synth.yaml"), "--output", output))
        {
            var waited = Stopwatch.StartNew();
            while (server.Posts < 8 && !p.HasExited && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(5);
            Assert.False(p.HasExited, log.ToString());
            using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) await kill.WaitForExitAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(20)), $"still running 20 s after SIGINT:\n{log}");
            p.WaitForExit();
            Assert.True(p.ExitCode == 1, $"exit {p.ExitCode} (130: SIGINT ended the process before the run could seal and report):\n{log}");
        }
        Assert.Contains("Interrupted: run again with --resume to finish the rest.", log.ToString());
        var journal = Path.Combine(output, "state", "open.jsonl");
        Assert.False(File.Exists(journal) && File.ReadAllText(journal).Length > 0, "the journal was not sealed on Ctrl-C");
        int sealedBefore = SynthTestKit.ShardLines(output, "records").Count;
        Assert.InRange(sealedBefore, 1, questions.Length - 1);
        var runs = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "stats.json")))!["runs"]!.AsArray();
        Assert.True((bool)Assert.Single(runs)!["cancelled"]!);

        var resumed = SynthTestKit.Run(TimeSpan.FromSeconds(40), "synth", "run", "--config", _dir.File("synth.yaml"), "--output", output, "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Contains($"items       {questions.Length} ({sealedBefore} done by earlier runs)", resumed.Output);
        var keys = SynthTestKit.Keys(output);
        Assert.Equal(questions.Length, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(questions, q => Assert.InRange(server.Delivered[q].Count, 1, 2)); // at most the answers in flight at Ctrl-C twice
    }

    [Fact]
    public async Task ItemsThatFailForGood_ExitOneNamingThem_AndResumeRetriesOnlyThem()
    {
        var questions = Questions(8);
        SynthTestKit.WriteInstructions(_dir.File("inputs.jsonl"), questions);
        // One at a time and no retries: POSTs 2 and 5 (items 2 and 5) fail with 500 in the first run; the second run is healthy.
        bool broken = true;
        await using var server = await FaultyChatServer.StartAsync(Answer, i => broken && i is 2 or 5 ? ChatFault.ServerError(500) : ChatFault.None);
        File.WriteAllText(_dir.File("synth.yaml"), SynthTestKit.RegenerateConfig(server.BaseUrl, "inputs.jsonl", concurrency: 1, endpointExtra: "    retries: 0"));
        string[] args = ["synth", "run", "--config", _dir.File("synth.yaml"), "--output", _dir.File("out")];

        var first = CliRunner.Run(args);
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("2 items failed (first: ", first.Err);
        Assert.Contains("run again with --resume to retry them", first.Err);
        Assert.Matches(@"failed\s+2", first.Out);
        Assert.Equal(6, SynthTestKit.ShardLines(_dir.File("out"), "records").Count);

        broken = false;
        int posts = server.Posts;
        var second = CliRunner.Run([.. args, "--resume"]);
        Assert.True(second.ExitCode == 0, second.Err + second.Out);
        Assert.Equal(2, server.Posts - posts); // only the two failed items were asked again
        var answered = SynthTestKit.ShardLines(_dir.File("out"), "records").Select(l => (string)JsonNode.Parse(l)!["messages"]![0]!["content"]!).ToList();
        Assert.Equal(questions.Order(StringComparer.Ordinal), answered.Order(StringComparer.Ordinal));
        Assert.Empty(SynthTestKit.ShardLines(_dir.File("out"), "rejected"));
    }
}
