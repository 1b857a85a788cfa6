using System.Text.Json.Nodes;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi dpo plan` and `tsumugi dpo online --help` as a user runs them.</summary>
[Collection("cli")] // CliRunner and SpectreOutput swap process-wide consoles: never beside another CLI test
public sealed class DpoCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    static string Pair(string question, string? chosen, string? rejected)
    {
        var record = new JsonObject { ["prompt"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question }) };
        if (chosen is not null) record["chosen"] = new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = chosen });
        if (rejected is not null) record["rejected"] = new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = rejected });
        return record.ToJsonString();
    }

    [Fact]
    public void Plan_CountsBadPairsWithFileAndLineAndTrainsNothing()
    {
        var model = TinyModelDirectory.Write(_temp.File("model"), ["です", "ます", "質問", "答え"], seed: 1, contextLength: 256);
        var pairs = _temp.File("pairs.jsonl");
        var lines = Enumerable.Range(0, 20).Select(i => Pair($"質問 {i}", $"答え {i} です", $"答え {i + 1} ます")).ToList();
        lines.Insert(3, Pair("質問 x", "同じ答え", "同じ答え"));   // line 4: chosen = rejected
        lines.Insert(7, Pair("質問 y", "答え", null));            // line 8: no rejected
        File.WriteAllLines(pairs, lines);
        var (code, output, err) = CliRunner.Run("dpo", "plan", "--config", Path.Combine(RepoPaths.Configs, "dpo-tiny.yaml"),
            "--set", $"model.from={model}", "--set", $"data.paths=[{pairs}]", "--set", "train.seq_length=64", "--set", "schedule.warmup_steps=1");
        Assert.True(code == 0, err + output);
        Assert.Contains("pairs.jsonl:4", output);
        Assert.Contains("pairs.jsonl:8", output);
        Assert.Contains("identical", output);
        Assert.Contains("loss sigmoid, beta 0.1; reference precomputed", output);
        Assert.False(File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "reference_logps.tsv")));
    }

    [Fact]
    public void OnlineHelp_ExplainsTheLoopAndItsResume()
    {
        var (code, output, _) = CliRunner.Run("dpo", "online", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--resume", output);
        Assert.Contains("samples", output);
        Assert.Contains("judge", output);
    }
}
