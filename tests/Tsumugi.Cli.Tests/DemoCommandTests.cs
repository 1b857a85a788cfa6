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
        var (code, _, err) = CliRunner.Run("demo", "--output", _dir, "--vocab-size", "4000", "--train-steps", "30");
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
    }
}
