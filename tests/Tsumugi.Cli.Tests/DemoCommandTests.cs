namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class DemoCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-demo-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>README's first command: the demo runs on ../shared/corpus end to end and reports every stage.</summary>
    [Fact]
    public void DemoRunsThePipelineOnTheSharedCorpusAndWritesAReport()
    {
        var (code, _, err) = CliRunner.Run("demo", "--output", _dir, "--vocab-size", "4000", "--train-steps", "30", "--sft-steps", "16", "--sft-questions", "3");
        Assert.True(code == 0, err);
        var report = File.ReadAllText(Path.Combine(_dir, "report.md"));
        foreach (var stage in new[] { "corpus clean", "corpus dedup", "tokenizer train", "model init", "held-out perplexity", "data tokenize", "train (", "generate" })
            Assert.Contains(stage, report);
        // Training lowered the held-out perplexity the report states before and after.
        var perplexities = System.Text.RegularExpressions.Regex.Matches(report, @"perplexity (\d+) over").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(2, perplexities.Length);
        Assert.True(perplexities[1] < perplexities[0] / 2, $"perplexity {perplexities[0]} → {perplexities[1]}");
        Assert.True(File.Exists(Path.Combine(_dir, "train", "loss.png")));
        Assert.Contains("<img src=\"train/loss.png\"", File.ReadAllText(Path.Combine(_dir, "report.html")));
        Assert.Contains("## Generated samples", report);
        Assert.Contains("books balance: True", report);
        Assert.True(File.Exists(Path.Combine(_dir, "tokenizer", "tokenizer.model")));
        Assert.True(File.Exists(Path.Combine(_dir, "model", "tokenizer.model")));
        Assert.Contains("\"vocab_size\": 4000", File.ReadAllText(Path.Combine(_dir, "model", "config.json")));
        AssertSftStages(report);
    }

    /// <summary>SFT ran from the pretrained model, and its table holds one row per held-out question, base vs SFT.</summary>
    void AssertSftStages(string report)
    {
        Assert.Contains("| sft (configs/sft-tiny.yaml, 16 steps, Japanese Debian Q&A) | 16 steps", report);
        Assert.True(File.Exists(Path.Combine(_dir, "sft", "model", "chat_template.jinja")));
        Assert.Contains(Path.Combine(_dir, "train", "model"), File.ReadAllText(Path.Combine(_dir, "sft", "config.yaml"))); // the pretrained model is the base
        var table = report[report.IndexOf("## Held-out questions: pretrained vs SFT", StringComparison.Ordinal)..];
        var rows = table.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal("| question | pretrained answer | SFT answer | reference |", rows[0]);
        Assert.Equal(1 + 3, rows.Count);
        var heldOut = File.ReadLines(Path.Combine(RepoPaths.Configs, "sft", "debian-qa-ja-heldout.jsonl")).Take(3)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("instruction").GetString()!).ToList();
        for (int i = 0; i < 3; i++) Assert.StartsWith($"| {heldOut[i]} |", rows[1 + i]);
        // Sixteen steps of SFT make the reference answers more likely than under the pretrained model, with the same prompt.
        var loss = System.Text.RegularExpressions.Regex.Match(report, @"reference answers' tokens ([\d.]+) \(pretrained\) → ([\d.]+) \(SFT\)");
        Assert.True(loss.Success, "no answer loss in the report");
        Assert.True(double.Parse(loss.Groups[2].Value) < double.Parse(loss.Groups[1].Value), loss.Value);
        Assert.Contains("<h2>Held-out questions: pretrained vs SFT</h2>", File.ReadAllText(Path.Combine(_dir, "report.html")));
    }
}
