using System.Text.Json.Nodes;
using Tsumugi.Datasets;
using Tsumugi.Evaluation;
using Tsumugi.Evaluation.Suites;
using Tsumugi.Evaluation.Tasks;
using Tsumugi.Generation;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Training.Config;
using Tsumugi.Training.Loop;
using Tsumugi.Training.TaskEval;
using Tsumugi.Training.Tests.Support;
using Tsumugi.Training.Tests.Vocabulary;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// eval.tasks: llm-jp-eval-format tasks on every checkpoint, inline (scores in metrics.jsonl and RUN/eval/step-N) or
/// queued for `eval sweep` (checkpoints kept until evaluated), on the tiny model with a real tokenizer.
/// </summary>
[Collection(VocabularyCollection.Name)]
public sealed class CheckpointTaskEvalTests(TokenizerPair pair) : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void InlineEvaluationLogsTaskScoresAtEveryCheckpointAndTheyMatchTheSavedCheckpoint()
    {
        var (tokenizer, data, tasks) = Inputs();
        var run = _temp.File("run");
        var log = new StringWriter();
        var config = Config(tokenizer, data, $"eval.tasks={tasks}", "eval.max_samples=2", "eval.shots=1", "train.max_steps=6", "checkpoint.interval=3");
        using (var trainer = Trainer.Open(config, run, resume: false, log)) Assert.True(trainer.Run().Completed);

        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(new long[] { 3, 6 }, lines.Where(l => l["tasks"] is not null).Select(l => (long)l["step"]!));
        var scores = lines[^1]["tasks"]!.AsObject();
        Assert.Equal(["avg", "gen/char_f1", "gen/exact_match", "mc/acc", "mc/acc_norm"], scores.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Contains("step 3: tasks avg", log.ToString());

        // The file the trainer wrote is the one `eval sweep` would: same name, and the sweep sees it as done.
        var result = EvalSummary.Read(CheckpointTaskEval.ResultPath(run, 6));
        Assert.Equal("run/step-6", result.Model);
        Assert.Equal((double)scores["mc/acc"]!, result.Metrics["mc/acc"]);
        var spec = CheckpointSweep.SavedSpec(run)!;
        Assert.Equal((1, 2), (spec.Shots, spec.MaxSamples));
        var points = CheckpointSweep.Points(run, spec);
        Assert.Equal(new long[] { 3, 6 }, points.Select(p => p.Step));
        Assert.All(points, p => Assert.True(p.IsDone(spec.LoadSuite())));

        // Scores of the live model between steps equal those of the checkpoint reloaded from disk (per choice, to 1e-4).
        using var saved = PretrainedModel.Load(points[^1].ModelDirectory);
        var reloaded = spec.LoadSuite().Run(saved, spec.RunOptions);
        var live = JsonNode.Parse(File.ReadAllText(CheckpointTaskEval.ResultPath(run, 6)))!["details"]!["tasks"]!.AsArray();
        var liveChoices = live.Single(t => (string)t!["name"]! == "mc")!["multiple_choice"]!.AsArray()
            .SelectMany(s => s!["choices"]!.AsArray().Select(c => (double)c!["log_likelihood"]!)).ToList();
        var reloadedChoices = reloaded.Tasks.Single(t => t.Name == "mc").MultipleChoice!.SelectMany(s => s.Choices.Select(c => c.LogLikelihood)).ToList();
        Assert.Equal(reloadedChoices.Count, liveChoices.Count);
        for (int i = 0; i < liveChoices.Count; i++) Assert.Equal(reloadedChoices[i], liveChoices[i], 1e-4);
        Assert.Equal(reloaded.Metrics["gen/char_f1"], result.Metrics["gen/char_f1"]);
    }

    [Fact]
    public void QueuedEvaluationKeepsCheckpointsUntilASweepHasScoredThem()
    {
        var (tokenizer, data, tasks) = Inputs();
        var run = _temp.File("run");
        var config = Config(tokenizer, data, $"eval.tasks={tasks}", "eval.mode=queue", "eval.max_samples=1",
            "train.max_steps=6", "checkpoint.interval=2", "checkpoint.keep_last=1");
        using (var trainer = TinyRuns.Open(config, run)) Assert.True(trainer.Run().Completed);

        Assert.All(JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl")), l => Assert.Null(l["tasks"]));
        // keep_last 1 would leave only step-6; all three wait for the sweep.
        var spec = CheckpointSweep.SavedSpec(run)!;
        Assert.Equal(new long[] { 2, 4, 6 }, CheckpointSweep.Points(run, spec).Select(p => p.Step));
        var queued = JsonLinesLog.Read(Path.Combine(run, "events.jsonl")).Where(e => (string)e["event"]! == "eval_queued").Select(e => (long)e["step"]!);
        Assert.Equal(new long[] { 2, 4, 6 }, queued);

        // A scored checkpoint is released: the next save prunes it as keep_last says.
        var store = new Checkpointing.CheckpointStore(Path.Combine(run, "checkpoints"), 1, 0)
        {
            Pinned = step => !File.Exists(CheckpointTaskEval.ResultPath(run, step)),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(CheckpointTaskEval.ResultPath(run, 2))!);
        File.WriteAllText(CheckpointTaskEval.ResultPath(run, 2), "{}");
        store.Save(8, dir => File.WriteAllText(Path.Combine(dir, Checkpointing.CheckpointStore.StateFile), "{}"));
        Assert.Equal(new long[] { 4, 6, 8 }, store.List().Select(c => c.Step));
    }

    [Fact]
    public void AMissingTaskFileFailsTheConfigNamingTheKey()
    {
        var (tokenizer, data, _) = Inputs();
        var error = Assert.Throws<TrainConfigException>(() => Config(tokenizer, data, $"eval.tasks={_temp.File("nope.json")}"));
        Assert.Contains("eval.tasks", error.Message);
        Assert.Contains("nope.json", error.Message);

        var broken = _temp.File("broken.json");
        File.WriteAllText(broken, """{"instruction": "x", "metrics": ["exact_match"], "samples": []}""");
        var config = Config(tokenizer, data, $"eval.tasks={broken}");
        var open = Assert.Throws<TrainConfigException>(() => TinyRuns.Open(config, _temp.File("run")).Dispose());
        Assert.Contains("eval.tasks", open.Message);
        Assert.Contains("broken.json", open.Message);
    }

    static TrainConfig Config(string tokenizer, string data, params string[] overrides) =>
        TinyRuns.Config(data, [$"model.tokenizer={tokenizer}", "model.vocab_size=", "schedule.warmup_steps=2", .. overrides]);

    /// <summary>The shared tokenizer saved as a directory, Japanese data tokenized with it, and a folder of two tasks.</summary>
    (string Tokenizer, string Data, string Tasks) Inputs()
    {
        var tokenizer = _temp.File("tokenizer");
        TokenizerDirectory.Save(pair.Old.Model, tokenizer);
        var prefix = Path.Combine(_temp.File("data"), "ja");
        using (var writer = new IndexedDatasetWriter(prefix, new IndexedDatasetWriterOptions { VocabularySize = pair.Old.VocabSize, EosId = pair.Old.EosId, Domain = "ja" }))
        {
            foreach (var document in CorpusText.Lines("ja", 20_000).Chunk(8)) writer.Add(pair.Old.Encode(string.Join("\n", document)));
            writer.Complete();
        }
        var tasks = _temp.File("tasks");
        Directory.CreateDirectory(tasks);
        File.WriteAllText(Path.Combine(tasks, "gen.json"), """
            {"instruction": "質問に答えてください。", "output_length": 4, "metrics": ["exact_match", "char_f1"],
             "few_shots": [{"input": "日本の首都は？", "output": "東京"}],
             "samples": [{"input": "富士山がある国は？", "output": "日本"}, {"input": "一足す一は？", "output": "二"}, {"input": "三は？", "output": "三"}]}
            """);
        File.WriteAllText(Path.Combine(tasks, "mc.json"), """
            {"instruction": "正しい方を選んでください。", "metrics": ["acc", "acc_norm"],
             "samples": [{"input": "空の色は？", "choices": ["青", "緑色です"], "output": 0}, {"input": "雪の色は？", "choices": ["黒", "白"], "output": 1}]}
            """);
        return (tokenizer, prefix, tasks);
    }
}
