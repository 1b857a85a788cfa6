using System.Text.Json;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi eval english` end to end on a tiny model from raw files in each task's layout, then `eval report` on its output.</summary>
[Collection("cli")]
public sealed class EvalEnglishCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-evalenglish-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    string Write(string name, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Sub(name))!);
        File.WriteAllText(Sub(name), content);
        return Sub(name);
    }

    static string Jsonl(params object[] rows) => string.Join("\n", rows.Select(r => JsonSerializer.Serialize(r))) + "\n";

    static object Arc(string stem, string answerKey, params string[] texts) => new
    {
        question = new { stem, choices = texts.Select((t, i) => new { text = t, label = ((char)('A' + i)).ToString() }) }, answerKey,
    };

    string TinyModel()
    {
        var text = Sub("ja.txt");
        CorpusSample.Write("ja", 30_000, text);
        var tok = CliRunner.Run("tokenizer", "train", "--input", text, "--output", Sub("tok"), "--vocab-size", "1000", "--character-coverage", "0.995", "--threads", "2");
        Assert.True(tok.ExitCode == 0, tok.Err);
        Assert.Equal(0, CliRunner.Run("model", "init", "--preset", "tiny", "--tokenizer", Sub("tok"), "--output", Sub("model"), "--seed", "5").ExitCode);
        return Sub("model");
    }

    [Fact]
    public void RunsMultipleChoiceAndGenerationTasksAndTheReportReadsTheResult()
    {
        var arc = Write("arc/test.jsonl", Jsonl(Arc("Which is hot?", "B", "ice", "fire"), Arc("Which is wet?", "A", "water", "sand", "dust"), Arc("Skipped by --limit", "A", "x", "y")));
        var arcTrain = Write("arc/train.jsonl", Jsonl(Arc("What flies?", "A", "bird", "stone"), Arc("What swims?", "B", "cat", "fish")));
        var gsm = Write("gsm/test.jsonl", Jsonl(new { question = "What is 2 plus 2?", answer = "2 + 2 = 4\n#### 4" }));
        var gsmTrain = Write("gsm/train.jsonl", Jsonl(new { question = "What is 1 plus 1?", answer = "1 + 1 = 2\n#### 2" }));
        Write("mmlu/test/astronomy_test.csv", "What orbits Earth?,Moon,Sun,Mars,Venus,A\n");
        Write("mmlu/dev/astronomy_dev.csv", "What is hot?,ice,snow,sun,rain,C\n");
        var model = TinyModel();

        var run = SpectreOutput.Run("eval", "english", "--model", model, "--task", $"arc_easy={arc}", "--task", $"gsm8k={gsm}", "--task", $"mmlu={Sub("mmlu")}",
            "--fewshot", $"arc_easy={arcTrain}", "--fewshot", $"gsm8k={gsmTrain}", "--shots", "1", "--limit", "2", "--max-gen-tokens", "6",
            "--batch-size", "4", "--output", Sub("out/english.json"));
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("exact_match,flexible-extract", run.Out); // the result table

        var root = JsonDocument.Parse(File.ReadAllText(Sub("out/english.json"))).RootElement;
        Assert.Equal("english", root.GetProperty("kind").GetString());
        Assert.Equal(["arc_easy/acc", "arc_easy/acc_norm", "arc_easy/acc_bytes", "gsm8k/exact_match,strict-match", "gsm8k/exact_match,flexible-extract", "mmlu/acc"],
            root.GetProperty("metrics").EnumerateObject().Select(p => p.Name));
        var tasks = root.GetProperty("details").GetProperty("tasks").EnumerateArray().ToList();
        var arcSamples = tasks[0].GetProperty("multiple_choice").EnumerateArray().ToList();
        Assert.Equal(2, arcSamples.Count); // --limit 2
        Assert.Equal(1, tasks[0].GetProperty("shots").GetInt32());
        Assert.Equal(1, arcSamples[0].GetProperty("gold").GetInt32());
        Assert.Equal(2, arcSamples[0].GetProperty("choices").GetArrayLength());
        var generation = tasks[1].GetProperty("generations")[0];
        Assert.Equal(["4"], generation.GetProperty("gold").EnumerateArray().Select(e => e.GetString()).ToList().Select(g => g!.Split("#### ")[1]));
        Assert.Equal(1, tasks[2].GetProperty("subjects").GetProperty("astronomy").GetProperty("samples").GetInt32());

        var report = CliRunner.Run("eval", "report", Sub("out/english.json"));
        Assert.True(report.ExitCode == 0, report.Err);
        Assert.Contains("| english | gsm8k/exact_match,strict-match |", report.Out);
        Assert.Contains("| english | mmlu/acc |", report.Out);
    }

    [Fact]
    public void WrongTaskArgumentsFailBeforeTheModelLoads()
    {
        var missing = Sub("no-model");
        var bad = CliRunner.Run("eval", "english", "--model", missing, "--task", "hellaswag");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("expected NAME=PATH", bad.Err);
        var unknown = CliRunner.Run("eval", "english", "--model", missing, "--task", "piqa=x.jsonl");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown English task 'piqa'", unknown.Err);
        var gsm = Write("gsm.jsonl", Jsonl(new { question = "Q" }));
        var layout = CliRunner.Run("eval", "english", "--model", missing, "--task", $"gsm8k={gsm}", "--shots", "0");
        Assert.Equal(1, layout.ExitCode);
        Assert.Contains($"gsm8k: {gsm}: line 1: missing field 'answer'", layout.Err);
        var noFewShot = CliRunner.Run("eval", "english", "--model", missing, "--task", $"gsm8k={gsm}");
        Assert.Contains("--fewshot gsm8k=", noFewShot.Err);
    }
}
