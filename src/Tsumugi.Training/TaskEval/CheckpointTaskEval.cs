using Tsumugi.Evaluation.Suites;
using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Tokenization;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Config;
using static TorchSharp.torch;

namespace Tsumugi.Training.TaskEval;

/// <summary>
/// <c>eval.tasks</c> in the training process: at every checkpoint step and at the end, the live model (with its LoRA
/// adapter, if any) runs the task suite between steps; the scores go into that step's metrics line and
/// RUN_DIR/eval/step-N/tasks.json, the same file `eval sweep` writes, so a sweep later reuses them and `eval report
/// RUN_DIR/eval` compares the checkpoints. The suite is loaded once, when the run opens: a broken task file fails the
/// run before its first step, not at its first checkpoint.
/// </summary>
internal sealed class CheckpointTaskEval
{
    public const string Directory = "eval";
    public const string ResultFile = "tasks.json";

    readonly TaskSuite _suite;
    readonly TaskEvalSpec _spec;
    readonly ITokenizer _tokenizer;
    readonly string _runDirectory;

    CheckpointTaskEval(TaskSuite suite, TaskEvalSpec spec, ITokenizer tokenizer, string runDirectory) =>
        (_suite, _spec, _tokenizer, _runDirectory) = (suite, spec, tokenizer, runDirectory);

    public TaskEvalMode Mode { get; private init; }

    /// <summary>Null when the config names no tasks. Writes eval/suite.json for `eval sweep`.</summary>
    public static CheckpointTaskEval? Open(TrainConfig config, string runDirectory, string? tokenizerDirectory, TextWriter log)
    {
        var eval = config.Eval;
        if (eval.Tasks.Count == 0) return null;
        var spec = new TaskEvalSpec(eval.Tasks, eval.Shots, eval.MaxSamples, eval.BatchSize, config.Lora is null ? null : config.Model.From);
        TaskSuite suite;
        try { suite = spec.LoadSuite(); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or InvalidOperationException)
        {
            throw new TrainConfigException($"eval.tasks: {e.Message}");
        }
        foreach (var warning in suite.Warnings) log.WriteLine($"warning: {warning}");
        if (tokenizerDirectory is null)
            throw new TrainConfigException("eval.tasks: the run has no tokenizer directory to turn task prompts into ids (set model.tokenizer)");
        var directory = Path.Combine(runDirectory, Directory);
        System.IO.Directory.CreateDirectory(directory);
        spec.Save(Path.Combine(directory, TaskEvalSpec.FileName));
        return new CheckpointTaskEval(suite, spec, TokenizerDirectory.Load(tokenizerDirectory), runDirectory) { Mode = eval.Mode };
    }

    /// <summary>Where the scores of the checkpoint at <paramref name="step"/> go (the trainer's and the sweep's).</summary>
    public static string ResultPath(string runDirectory, long step) =>
        Path.Combine(runDirectory, Directory, CheckpointStore.NameOf(step), ResultFile);

    /// <summary>The model name a checkpoint's scores are filed under: "RUN/step-N".</summary>
    public static string ModelName(string runDirectory, long step) =>
        $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory))}/{CheckpointStore.NameOf(step)}";

    /// <summary>Runs the suite on the live model; returns the flat task/metric scores.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(long step, LlamaForCausalLM model, TextWriter log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            // Not disposed: the trainer owns the model; the wrapper only pairs it with the tokenizer for the task runner.
            var live = new PretrainedModel(model, _tokenizer, ModelName(_runDirectory, step));
            var result = _suite.Run(live, _spec.RunOptions);
            result.Write(ResultPath(_runDirectory, step), live.Name, _spec.BatchSize);
            var summary = result.Metrics.TryGetValue("avg", out var avg) ? $"avg {avg:0.0000}" : string.Join(", ", result.Metrics.Select(m => $"{m.Key} {m.Value:0.0000}"));
            log.WriteLine($"step {step}: tasks {summary} ({clock.Elapsed.TotalSeconds:0.0} s)");
            return result.Metrics;
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }
}
