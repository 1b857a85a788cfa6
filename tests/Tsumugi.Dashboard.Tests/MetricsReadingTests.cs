using System.Text;

namespace Tsumugi.Dashboard.Tests;

/// <summary>metrics.jsonl read as it grows: only new bytes, never a half-written last line, and a resumed run's repeated steps replaced.</summary>
public sealed class MetricsReadingTests
{
    [Fact]
    public async Task HalfWrittenLastLine_IsIgnoredUntilItsNewlineArrives()
    {
        using var runs = new RunsFolder();
        var dir = runs.Run("r", 3);
        var whole = new FileInfo(Path.Combine(dir, "metrics.jsonl")).Length;
        var line = RunsFolder.MetricsLine(4, 1.25);
        runs.Append("r/metrics.jsonl", line[..(line.Length / 2)]); // the trainer is mid-write
        await using var dash = await TestDashboard.StartAsync(runs.Path);

        var before = await dash.GetJsonAsync("/api/runs/r/metrics");
        Assert.Equal(3, (int)before["steps"]!);
        Assert.Equal(whole, (long)before["offset"]!); // the torn bytes are not consumed
        runs.Append("r/metrics.jsonl", line[(line.Length / 2)..]);
        var after = await dash.GetJsonAsync("/api/runs/r/metrics");
        Assert.Equal(4, (int)after["steps"]!);
        Assert.Equal(1.25, (double)after["series"]!["loss"]!["y"]![3]!);
    }

    [Fact]
    public async Task ResumedRun_RepeatedSteps_TheLaterLineWins()
    {
        using var runs = new RunsFolder();
        runs.Run("r", 5, s => 10); // steps 1..5 at loss 10
        runs.Append("r/metrics.jsonl", RunsFolder.MetricsLine(4, 2) + RunsFolder.MetricsLine(5, 2) + RunsFolder.MetricsLine(6, 2)); // resumed from step 3
        await using var dash = await TestDashboard.StartAsync(runs.Path);
        var m = await dash.GetJsonAsync("/api/runs/r/metrics");
        Assert.Equal(6, (int)m["steps"]!);
        Assert.Equal([1, 2, 3, 4, 5, 6], m["series"]!["loss"]!["x"]!.AsArray().Select(x => (int)x!));
        Assert.Equal([10.0, 10, 10, 2, 2, 2], m["series"]!["loss"]!["y"]!.AsArray().Select(y => (double)y!));
    }

    [Fact]
    public void Tail_HandsOverWholeLinesOnly_AndRestartsWhenTheFileShrinks()
    {
        using var dir = new TempDirectory();
        var path = dir.File("m.jsonl");
        File.WriteAllText(path, "{\"a\":1}\n{\"a\":2}\r\n{\"a\"");
        var tail = new JsonLinesTail(path);
        var lines = new List<string>();
        var resets = 0;
        void Read() => tail.ReadNew(l => lines.Add(Encoding.UTF8.GetString(l)), () => resets++);

        Read();
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], lines);
        Assert.Equal(17, tail.Offset);
        File.AppendAllText(path, ":3}\n");
        Read();
        Assert.Equal("{\"a\":3}", lines[^1]);
        File.WriteAllText(path, "{\"b\":1}\n"); // rewritten, shorter than what was read
        Read();
        Assert.Equal((1, "{\"b\":1}"), (resets, lines[^1]));
        Assert.Equal(8, tail.Offset);
    }

    [Fact]
    public void Line_MalformedOrWithoutStep_IsSkipped()
    {
        var names = new List<string>();
        int Intern(ReadOnlySpan<char> n)
        {
            names.Add(n.ToString());
            return names.Count - 1;
        }
        Assert.False(MetricsLine.TryParse("{\"loss\": 1}"u8, Intern, null, out _));
        Assert.False(MetricsLine.TryParse("{\"step\": 1, \"loss\": "u8, Intern, null, out _));
        Assert.False(MetricsLine.TryParse("[1, 2]"u8, Intern, null, out _));
        Assert.True(MetricsLine.TryParse("{\"step\": 2, \"loss\": 1.5, \"note\": \"x\", \"flags\": [1], \"rewards/chosen\": 0.25, \"tasks\": {\"mc/acc\": 0.5}}"u8, Intern, null, out var row));
        Assert.Equal(["loss", "rewards/chosen", "tasks/mc/acc"], row.Series.Select(i => names[i]));
        Assert.Equal([1.5, 0.25, 0.5], row.Values);
    }
}
