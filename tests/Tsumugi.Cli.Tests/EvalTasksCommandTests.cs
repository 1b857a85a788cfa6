using System.Text.Json;
using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi eval tasks` end to end on a tiny model: the audit trail, agreement with `model score` and `generate`, errors.</summary>
[Collection("cli")]
public sealed class EvalTasksCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-evaltasks-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);
    static string Example(string name) => Path.Combine(RepoPaths.Configs, "eval", name);

    string Tokenizer(string name, int vocab)
    {
        var text = Sub("ja.txt");
        if (!File.Exists(text)) CorpusSample.Write("ja", 30_000, text);
        var run = CliRunner.Run("tokenizer", "train", "--input", text, "--output", Sub(name), "--vocab-size", vocab.ToString(),
            "--character-coverage", "0.995", "--threads", "2");
        Assert.True(run.ExitCode == 0, run.Err);
        return Sub(name);
    }

    string TinyModel()
    {
        var tok = Tokenizer("tok", 1000);
        Assert.Equal(0, CliRunner.Run("model", "init", "--preset", "tiny", "--tokenizer", tok, "--output", Sub("model"), "--seed", "5").ExitCode);
        return Sub("model");
    }

    /// <summary>A tiny model whose greedy answers are visible text (gibberish); the trained-tokenizer one's decode to nothing.</summary>
    string WordsModel() => TinyModelDirectory.Write(Sub("words"), ["東京", "日本", "の", "首都", "は", "です", "。", "1", "2"], seed: 4, contextLength: 1024);

    static JsonElement Details(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Fact]
    public void MultipleChoiceScoresEqualModelScoreSumsAndBatchingChangesNothing()
    {
        var model = TinyModel();
        var batched = CliRunner.Run("eval", "tasks", "--model", model, "--tasks", Example("mc_ja.json"), "--batch-size", "8", "--output", Sub("b.json"));
        Assert.True(batched.ExitCode == 0, batched.Err);
        var single = CliRunner.Run("eval", "tasks", "--model", model, "--tasks", Example("mc_ja.json"), "--batch-size", "1", "--output", Sub("s.json"));
        Assert.True(single.ExitCode == 0, single.Err);

        var (b, s) = (Details(Sub("b.json")), Details(Sub("s.json")));
        Assert.Equal("tasks", b.GetProperty("kind").GetString());
        Assert.Equal(s.GetProperty("metrics").GetProperty("mc_ja/acc").GetDouble(), b.GetProperty("metrics").GetProperty("mc_ja/acc").GetDouble());
        Assert.Equal(s.GetProperty("metrics").GetProperty("mc_ja/acc_norm").GetDouble(), b.GetProperty("metrics").GetProperty("mc_ja/acc_norm").GetDouble());
        var task = EvalTaskFile.Load(Example("mc_ja.json"));
        var samples = b.GetProperty("details").GetProperty("tasks")[0].GetProperty("multiple_choice").EnumerateArray().ToList();
        var singleSamples = s.GetProperty("details").GetProperty("tasks")[0].GetProperty("multiple_choice").EnumerateArray().ToList();
        Assert.Equal(task.Samples.Count, samples.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(singleSamples[i].GetProperty("chosen").GetInt32(), samples[i].GetProperty("chosen").GetInt32());
            Assert.Equal(task.Samples[i].GoldIndex, samples[i].GetProperty("gold").GetInt32());
            var prompt = PromptTemplate.Build(task.Instruction, task.FewShots.Take(TaskRunOptions.DefaultShots), task.Samples[i].Input);
            foreach (var (choice, j) in samples[i].GetProperty("choices").EnumerateArray().Select((c, j) => (c, j)))
            {
                double logLikelihood = choice.GetProperty("log_likelihood").GetDouble();
                Assert.Equal(singleSamples[i].GetProperty("choices")[j].GetProperty("log_likelihood").GetDouble(), logLikelihood, 1e-4);
                // `model score --text` encodes prompt + choice the same way (BOS first) and scores every position.
                var scored = CliRunner.Run("model", "score", "--model", model, "--text", prompt + task.Samples[i].Choices![j], "--json");
                Assert.True(scored.ExitCode == 0, scored.Err);
                var tokens = JsonDocument.Parse(scored.Out).RootElement.GetProperty("tokens").EnumerateArray().ToList();
                var ids = choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt64()).ToList();
                Assert.Equal(ids.Skip(1), tokens.Select(t => t.GetProperty("id").GetInt64()));
                int start = choice.GetProperty("continuation_start").GetInt32();
                Assert.InRange(start, 1, ids.Count - 1);
                var sum = tokens.Where(t => t.GetProperty("position").GetInt32() >= start).Sum(t => t.GetProperty("log_prob").GetDouble());
                Assert.Equal(sum, logLikelihood, 1e-4);
            }
        }
    }

    [Fact]
    public void AllExampleTasksRunAndEachSampleIsAuditable()
    {
        var model = WordsModel();
        var run = CliRunner.Run("eval", "tasks", "--model", model, "--tasks", Path.Combine(RepoPaths.Configs, "eval"), "--shots", "1", "--output", Sub("all.json"));
        Assert.True(run.ExitCode == 0, run.Err);
        var root = Details(Sub("all.json"));
        var metrics = root.GetProperty("metrics");
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Configs, "eval"), "*.json"))
        {
            var task = EvalTaskFile.Load(file);
            foreach (var metric in task.Metrics) Assert.InRange(metrics.GetProperty($"{task.Name}/{metric}").GetDouble(), 0, 1);
        }
        Assert.True(metrics.TryGetProperty("avg", out _));

        var qa = root.GetProperty("details").GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "qa_ja");
        Assert.Equal(1, qa.GetProperty("shots").GetInt32());
        var first = qa.GetProperty("generations")[0];
        var qaTask = EvalTaskFile.Load(Example("qa_ja.json"));
        Assert.Equal(qaTask.Samples[0].Input, first.GetProperty("input").GetString());
        Assert.Equal(qaTask.Samples[0].Output, first.GetProperty("gold").GetString());
        // The prediction is llm-jp-eval's extraction (up to the first blank line) of what `tsumugi generate` produces greedily.
        var prompt = PromptTemplate.Build(qaTask.Instruction, qaTask.FewShots.Take(1), qaTask.Samples[0].Input);
        var generated = CliRunner.Run("generate", "--model", model, "--prompt", prompt, "--max-tokens", qaTask.OutputLength.ToString(), "--temperature", "0");
        Assert.True(generated.ExitCode == 0, generated.Err);
        Assert.NotEqual("", first.GetProperty("generated").GetString());
        Assert.Equal(TaskRunner.Prediction(generated.Out[..^1], qaTask.AnswerExtractPattern), first.GetProperty("prediction").GetString());
        Assert.Equal(Evaluation.Metrics.CharF1.Score(first.GetProperty("prediction").GetString()!, qaTask.Samples[0].Output),
            first.GetProperty("scores").GetProperty("char_f1").GetDouble(), 1e-12);
    }

    /// <summary>
    /// Generation tasks decode on torch at f32 by default and on the native engine with --engine native; greedy answers,
    /// and so every score, are the same on either decoder and for any batch size.
    /// </summary>
    [Fact]
    public void GenerationTasksScoreTheSameOnTheNativeEngineAndOnTorch()
    {
        var model = WordsModel();
        string[] tasks = ["--tasks", Example("qa_ja.json"), Example("math_ja.json"), "--shots", "1"];
        var native = CliRunner.Run(["eval", "tasks", "--model", model, .. tasks, "--engine", "native", "--output", Sub("native.json")]);
        Assert.True(native.ExitCode == 0, native.Err);
        Assert.Contains("[generation decoder: native engine (F32, ", native.Err);
        var auto = CliRunner.Run(["eval", "tasks", "--model", model, .. tasks, "--output", Sub("auto.json")]);
        Assert.True(auto.ExitCode == 0, auto.Err);
        Assert.Contains("[generation decoder: torch (f32", auto.Err);
        var single = CliRunner.Run(["eval", "tasks", "--model", model, .. tasks, "--batch-size", "1", "--engine", "native", "--output", Sub("single.json")]);
        Assert.True(single.ExitCode == 0, single.Err);

        static List<string?> Generated(JsonElement root) => root.GetProperty("details").GetProperty("tasks").EnumerateArray()
            .SelectMany(t => t.GetProperty("generations").EnumerateArray()).Select(g => g.GetProperty("generated").GetString()).ToList();
        var (n, a, s) = (Details(Sub("native.json")), Details(Sub("auto.json")), Details(Sub("single.json")));
        Assert.Equal(Generated(a), Generated(n));
        Assert.Equal(Generated(a), Generated(s));
        Assert.Contains(Generated(n), g => g!.Length > 0);
        Assert.Equal(a.GetProperty("metrics").ToString(), n.GetProperty("metrics").ToString());

        var bad = CliRunner.Run(["eval", "tasks", "--model", model, .. tasks, "--engine", "torch", "--weights", "q8_0"]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--weights applies to the native engine", bad.Err);
    }

    [Fact]
    public void BadTaskFilesAndMismatchedTokenizersFailWithOneClearLine()
    {
        File.WriteAllText(Sub("broken.json"), """{"instruction": "i", "output_length": 4, "metrics": ["exact_match"], "samples": [{"input": "a", "output": "b"}, {"input": "c"}]}""");
        var broken = CliRunner.Run("eval", "tasks", "--model", Sub("absent"), "--tasks", Sub("broken.json"));
        Assert.Equal(1, broken.ExitCode);
        Assert.StartsWith($"error: {Sub("broken.json")}: samples[1].output missing", broken.Err);

        File.WriteAllText(Sub("metric.json"), """{"instruction": "i", "output_length": 4, "metrics": ["f1"], "samples": [{"input": "a", "output": "b"}]}""");
        var metric = CliRunner.Run("eval", "tasks", "--model", Sub("absent"), "--tasks", Sub("metric.json"));
        Assert.Equal(1, metric.ExitCode);
        Assert.Contains("metrics[0] unknown metric 'f1'; known: exact_match, exact_match_figure, char_f1, set_f1", metric.Err);

        // Fields Tsumugi ignores are named once per file, before the model is loaded.
        File.WriteAllText(Sub("v2.json"), """{"instruction": "i", "output_length": 4, "metrics": ["exact_match"], "answer_pattern_id": 2, "samples": [{"input": "a", "output": "b"}]}""");
        var v2 = CliRunner.Run("eval", "tasks", "--model", Sub("absent"), "--tasks", Sub("v2.json"));
        Assert.StartsWith($"warning: {Sub("v2.json")}: ignoring fields Tsumugi does not use: answer_pattern_id (", v2.Err);

        // A model directory whose tokenizer.model has more pieces than config.json's vocab_size.
        var model = TinyModel();
        var mismatched = Sub("mismatched");
        Directory.CreateDirectory(mismatched);
        foreach (var f in Directory.GetFiles(model)) File.Copy(f, Path.Combine(mismatched, Path.GetFileName(f)));
        File.Copy(Path.Combine(Tokenizer("big", 1200), "tokenizer.model"), Path.Combine(mismatched, "tokenizer.model"), overwrite: true);
        var bad = CliRunner.Run("eval", "tasks", "--model", mismatched, "--tasks", Example("nli_ja.json"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("the tokenizer has 1200 pieces but the model's vocab_size is 1000", bad.Err);
        var badPpl = CliRunner.Run("eval", "perplexity", "--model", mismatched, "--input", Sub("ja.txt"));
        Assert.Equal(1, badPpl.ExitCode);
        Assert.Contains("1200 pieces", badPpl.Err);
    }

    /// <summary>
    /// Tasks named as llm-jp-eval's datasets get its category averages (printed and in the output's details); a task
    /// asking for comet_wmt22 runs, warns that COMET is not available, and reports no comet value rather than a 0.
    /// </summary>
    [Fact]
    public void LlmJpEvalDatasetsGetCategoryAveragesAndCometIsANoteNotAZero()
    {
        var model = TinyModel();
        var tasks = Sub("llm-jp-eval/test");
        Directory.CreateDirectory(tasks);
        File.Copy(Example("nli_ja.json"), Path.Combine(tasks, "jnli.json"));
        File.Copy(Example("qa_ja.json"), Path.Combine(tasks, "jemhopqa.json"));
        var mt = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Example("mt_en_ja.json")))!;
        mt["metrics"] = new System.Text.Json.Nodes.JsonArray("bleu_ja", "comet_wmt22");
        File.WriteAllText(Path.Combine(tasks, "alt-e-to-j.json"), mt.ToJsonString());

        var run = CliRunner.Run("eval", "tasks", "--model", model, "--tasks", tasks, "--shots", "1", "--output", Sub("llm.json"));
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains($"warning: {Path.Combine(tasks, "alt-e-to-j.json")}: metric comet_wmt22 is not available", run.Err);
        Assert.Contains("AVG over 2 of 11 categories", run.Err);

        var root = Details(Sub("llm.json"));
        var metrics = root.GetProperty("metrics");
        Assert.False(metrics.TryGetProperty("alt-e-to-j/comet_wmt22", out _));
        Assert.InRange(metrics.GetProperty("alt-e-to-j/bleu_ja").GetDouble(), 0, 1);
        var categories = root.GetProperty("details").GetProperty("llm_jp_eval_categories");
        double nli = metrics.GetProperty("jnli/exact_match").GetDouble(), qa = metrics.GetProperty("jemhopqa/char_f1").GetDouble();
        Assert.Equal(nli, categories.GetProperty("averages").GetProperty("NLI").GetDouble(), 1e-12);
        Assert.Equal((nli + qa) / 2, categories.GetProperty("avg").GetDouble(), 1e-12);
        Assert.Contains("MT", categories.GetProperty("missing").EnumerateArray().Select(m => m.GetString()));

        var report = CliRunner.Run("eval", "report", Sub("llm.json"));
        Assert.True(report.ExitCode == 0, report.Err);
        Assert.Contains("| model | AVG | NLI | QA |", report.Out);
    }
}
