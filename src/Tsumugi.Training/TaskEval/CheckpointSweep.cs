using Tsumugi.Evaluation;
using Tsumugi.Evaluation.Reports;
using Tsumugi.Evaluation.Suites;
using Tsumugi.Training.Checkpointing;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.TaskEval;

/// <summary>One checkpoint of a run to evaluate: its HF model directory, or a LoRA adapter over the run's base model.</summary>
public sealed record SweepPoint(string RunDirectory, long Step, string ModelDirectory, string? Adapter)
{
    public string ResultPath => CheckpointTaskEval.ResultPath(RunDirectory, Step);
    public string Name => CheckpointTaskEval.ModelName(RunDirectory, Step);

    /// <summary>Scores for every task of <paramref name="suite"/> are already on disk (the trainer's inline ones, or an earlier sweep's).</summary>
    public bool IsDone(TaskSuite suite)
    {
        if (!File.Exists(ResultPath)) return false;
        var metrics = EvalSummary.Read(ResultPath).Metrics.Keys;
        return suite.Tasks.All(t => metrics.Any(m => m.StartsWith(t.Name + "/", StringComparison.Ordinal)));
    }
}

/// <summary>
/// The checkpoints of training runs (RUN_DIR/checkpoints/step-N) as `tsumugi eval sweep` evaluates them: the Swallow
/// learning-rate search, every checkpoint of every candidate run on one task set, in one table.
/// </summary>
public static class CheckpointSweep
{
    /// <summary>The run's complete checkpoints, oldest first. Errors say what a run directory is expected to hold.</summary>
    public static IReadOnlyList<SweepPoint> Points(string runDirectory, TaskEvalSpec? spec)
    {
        runDirectory = Path.GetFullPath(runDirectory);
        var checkpoints = Path.Combine(runDirectory, "checkpoints");
        if (!Directory.Exists(checkpoints))
            throw new DirectoryNotFoundException($"{runDirectory}: no checkpoints/ folder; give the --output folder of `tsumugi train`, `sft` or `dpo`.");
        var points = new List<SweepPoint>();
        string? baseModel = null;
        foreach (var (step, path) in new CheckpointStore(checkpoints, int.MaxValue, 0).List())
        {
            var model = Path.Combine(path, "model");
            var adapter = Path.Combine(path, Trainer.AdapterDirectory);
            if (Directory.Exists(model)) points.Add(new SweepPoint(runDirectory, step, model, null));
            else if (Directory.Exists(adapter))
                points.Add(new SweepPoint(runDirectory, step, baseModel ??= spec?.BaseModel ?? BaseModelOf(runDirectory), adapter));
            else throw new InvalidDataException($"{path}: neither model/ nor {Trainer.AdapterDirectory}/ inside; the checkpoint cannot be evaluated.");
        }
        return points;
    }

    /// <summary>
    /// Every checkpoint score on disk for the run, oldest step first: those of checkpoints since pruned by keep_last
    /// too, since the scores outlive the weights.
    /// </summary>
    public static IReadOnlyList<EvalResultFile> Results(string runDirectory)
    {
        var directory = Path.Combine(Path.GetFullPath(runDirectory), CheckpointTaskEval.Directory);
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateDirectories(directory, "step-*")
            .Select(d => (Step: long.TryParse(Path.GetFileName(d)["step-".Length..], out var step) ? step : -1, File: Path.Combine(d, CheckpointTaskEval.ResultFile)))
            .Where(x => x.Step >= 0 && File.Exists(x.File))
            .OrderBy(x => x.Step)
            .Select(x => new EvalResultFile(x.File, EvalSummary.Read(x.File)))
            .ToList();
    }

    /// <summary>A finished run has its final model (or adapter) beside its checkpoints: `--follow` stops there.</summary>
    public static bool IsFinished(string runDirectory) =>
        Directory.Exists(Path.Combine(runDirectory, "model")) || Directory.Exists(Path.Combine(runDirectory, Trainer.AdapterDirectory));

    /// <summary>The spec the run's trainer wrote (eval.tasks), or null.</summary>
    public static TaskEvalSpec? SavedSpec(string runDirectory) =>
        TaskEvalSpec.Load(Path.Combine(runDirectory, CheckpointTaskEval.Directory, TaskEvalSpec.FileName));

    /// <summary>A LoRA run's base model: model.from in the config.yaml the run saved (paths there are absolute).</summary>
    static string BaseModelOf(string runDirectory)
    {
        var config = Path.Combine(runDirectory, "config.yaml");
        if (File.Exists(config))
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(config)) yaml.Load(reader);
            if (yaml.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("model"), out var model) && model is YamlMappingNode m
                && m.Children.TryGetValue(new YamlScalarNode("from"), out var from) && from is YamlScalarNode { Value: { Length: > 0 } path })
                return Directory.Exists(path) ? Path.GetFullPath(path)
                    : throw new DirectoryNotFoundException($"{config}: model.from '{path}' is not a folder from here (a relative path is relative to the run's original config); run the sweep from that config's folder.");
        }
        throw new InvalidDataException($"{runDirectory}: a LoRA run's checkpoints hold adapters, and its config.yaml names no model.from to put them on.");
    }
}
