namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class DemoCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-demo-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>README's first command: the demo pipeline runs on ../shared/corpus end to end and reports every stage.</summary>
    [Fact]
    public void DemoRunsThePipelineOnTheSharedCorpusAndWritesAReport()
    {
        var (code, stdout, err) = SpectreOutput.Run("demo", "--output", _dir, "--vocab-size", "4000", "--train-steps", "30", "--sft-steps", "16", "--sft-questions", "3", "--dpo-steps", "8", "--moe-steps", "6", "--dp-steps", "6");
        Assert.True(code == 0, err);
        Assert.Contains($"Dashboard: ./tsumugi dashboard --runs {_dir}", stdout); // the demo says how to watch it
        // The eval stage names each model as the pipeline does, so the report and the dashboard tell them apart.
        Assert.Equal(["trained", "untrained"], new[] { "trained", "untrained" }.Select(m => Evaluation.EvalSummary.Read(Path.Combine(_dir, "eval", m, "tasks.json")).Model));
        var report = File.ReadAllText(Path.Combine(_dir, "report", "report.md"));
        foreach (var stage in new[] { "clean (corpus-clean)", "dedup (corpus-dedup)", "tokenizer (tokenizer-train)", "untrained (model-init)", "held-out perplexity",
                                      "data (data-tokenize)", "pretrain (train)", "eval (eval)", "generate", "eval sweep", "synth (synth)", "release (card)" })
            Assert.Contains(stage, report);
        // Training lowered the held-out perplexity the report states before and after.
        var perplexities = System.Text.RegularExpressions.Regex.Matches(report, @"perplexity (\d+) over").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(2, perplexities.Length);
        Assert.True(perplexities[1] < perplexities[0] / 2, $"perplexity {perplexities[0]} → {perplexities[1]}");
        Assert.True(File.Exists(Path.Combine(_dir, "pretrain", "loss.png")));
        Assert.Contains("<img src=\"../pretrain/loss.png\"", File.ReadAllText(Path.Combine(_dir, "report", "report.html")));
        Assert.Contains("## Generated samples", report);
        Assert.Matches(@"step-30 avg [\d.]+ \(first 4 samples per task\)", report); // eval.tasks scored the final checkpoint during training
        Assert.Contains("books balance: True", report);
        Assert.True(File.Exists(Path.Combine(_dir, "tokenizer", "tokenizer.model")));
        Assert.True(File.Exists(Path.Combine(_dir, "untrained", "tokenizer.model")));
        Assert.Contains("\"vocab_size\": 4000", File.ReadAllText(Path.Combine(_dir, "untrained", "config.json")));
        AssertSftStages(report);
        AssertDpoStages(report);
        AssertMoeStages(report);
        AssertDataParallelStage(report);
    }

    /// <summary>Two MPI ranks with ZeRO-1 follow one process's curve and each hold half the optimizer state (the tests install mpirun).</summary>
    static void AssertDataParallelStage(string report)
    {
        var m = System.Text.RegularExpressions.Regex.Match(report, @"2 ranks × ZeRO-1 follow it to ([\d.e+-]+) \(max relative difference\); optimizer state per rank ([\d.]+) → ([\d.]+) MiB");
        Assert.True(m.Success, "no data-parallel check in the report");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        Assert.True(double.Parse(m.Groups[1].Value, invariant) < 1e-5, m.Value);
        Assert.InRange(double.Parse(m.Groups[3].Value, invariant) / double.Parse(m.Groups[2].Value, invariant), 0.45, 0.55);
    }

    /// <summary>The upcycled MoE starts as the dense model, trains with expert shares logged, runs in llama.cpp as Q4_K_M, and gets a card.</summary>
    void AssertMoeStages(string report)
    {
        var difference = System.Text.RegularExpressions.Regex.Match(report, @"logits equal the dense model's \(largest difference ([\d.E+-]+) ");
        Assert.True(difference.Success, "no logit check in the report");
        Assert.True(double.Parse(difference.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 1e-3, difference.Value);
        Assert.Matches(@"expert share of the top-2 choices: layer 0: [\d.]+/[\d.]+/[\d.]+/[\d.]+; layer 1:", report);
        Assert.True(File.Exists(Path.Combine(_dir, "gguf", "model-q4_k_m.gguf")));
        Assert.Contains("llama.cpp greedy: 日本の歴史は→", report); // the tests install node-llama-cpp, so llama.cpp really ran the file
        var card = File.ReadAllText(Path.Combine(_dir, "release", "README.md"));
        Assert.Contains("license: apache-2.0", card);
        Assert.Contains("| experts | 4, top-2 routing |", card);
        Assert.Contains("## Evaluation", card);
    }

    /// <summary>The Markdown table under a "## title" heading: its header row and data rows, up to the next section.</summary>
    static List<string> Table(string report, string title)
    {
        var start = report.IndexOf($"## {title}", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{title}' table");
        var end = report.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return report[start..(end < 0 ? report.Length : end)].Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>DPO ran from the SFT model, reports held-out preference accuracy for both, and answers the same questions.</summary>
    void AssertDpoStages(string report)
    {
        Assert.Contains("| dpo (dpo) | 8 steps", report);
        Assert.Contains(Path.Combine(_dir, "sft", "model"), File.ReadAllText(Path.Combine(_dir, "dpo", "config.yaml")));
        Assert.True(File.Exists(Path.Combine(_dir, "dpo", "reference_logps.tsv")));
        var accuracy = System.Text.RegularExpressions.Regex.Match(report, @"held-out preference accuracy \(chosen answer likelier than rejected, (\d+) pairs never trained on\) (\d+) ?% SFT → (\d+) ?% DPO");
        Assert.True(accuracy.Success, "no preference accuracy in the report");
        Assert.True(int.Parse(accuracy.Groups[1].Value) > 0);
        var rows = Table(report, "Held-out questions: SFT vs DPO");
        Assert.Equal("| question | SFT answer | DPO answer | reference |", rows[0]);
        Assert.Equal(1 + 3, rows.Count);
    }

    /// <summary>SFT ran from the pretrained model, and its table holds one row per held-out question, base vs SFT.</summary>
    void AssertSftStages(string report)
    {
        Assert.Contains("| sft (sft) | 16 steps", report);
        Assert.True(File.Exists(Path.Combine(_dir, "sft", "model", "chat_template.jinja")));
        Assert.Contains(Path.Combine(_dir, "pretrain", "model"), File.ReadAllText(Path.Combine(_dir, "sft", "config.yaml"))); // the pretrained model is the base
        var rows = Table(report, "Held-out questions: pretrained vs SFT");
        Assert.Equal("| question | pretrained answer | SFT answer | reference |", rows[0]);
        Assert.Equal(1 + 3, rows.Count);
        var heldOut = File.ReadLines(Path.Combine(RepoPaths.Configs, "sft", "debian-qa-ja-heldout.jsonl")).Take(3)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("instruction").GetString()!).ToList();
        for (int i = 0; i < 3; i++) Assert.StartsWith($"| {heldOut[i]} |", rows[1 + i]);
        // Sixteen steps of SFT make the reference answers more likely than under the pretrained model, with the same prompt.
        var loss = System.Text.RegularExpressions.Regex.Match(report, @"reference answers' tokens ([\d.]+) \(pretrained\) → ([\d.]+) \(SFT\)");
        Assert.True(loss.Success, "no answer loss in the report");
        Assert.True(double.Parse(loss.Groups[2].Value) < double.Parse(loss.Groups[1].Value), loss.Value);
        Assert.Contains("<h2>Held-out questions: pretrained vs SFT</h2>", File.ReadAllText(Path.Combine(_dir, "report", "report.html")));
    }
}
