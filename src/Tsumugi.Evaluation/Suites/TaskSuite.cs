using Tsumugi.Evaluation.Reports;
using Tsumugi.Evaluation.Tasks;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Suites;

/// <summary>
/// A set of llm-jp-eval-format task files run together on one model: what `eval tasks`, the trainer's checkpoint
/// evaluation (<c>eval.tasks</c>) and `eval sweep` share, so the three give the same numbers under the same names.
/// Every file is read and checked when the suite is loaded, before any model is: a typo in the last file costs nothing.
/// </summary>
public sealed class TaskSuite
{
    /// <summary>The result file's <c>kind</c>: `eval report` shows these rows under "tasks".</summary>
    public const string Kind = "tasks";

    public IReadOnlyList<EvalTask> Tasks { get; }

    TaskSuite(IReadOnlyList<EvalTask> tasks) => Tasks = tasks;

    /// <param name="paths">Task files, or folders whose *.json files are taken in name order.</param>
    /// <param name="maxSamples">Keep only each task's first N samples (a quick look during training); null keeps all.</param>
    public static TaskSuite Load(IEnumerable<string> paths, int? maxSamples = null)
    {
        if (maxSamples is < 1) throw new ArgumentException($"the sample cap must be ≥ 1 (got {maxSamples}).");
        var tasks = Files(paths).Select(EvalTaskFile.Load).Select(TaskRunner.CheckRunnable)
            .Select(t => maxSamples is { } n && t.Samples.Count > n ? t with { Samples = t.Samples.Take(n).ToList() } : t)
            .ToList();
        if (tasks.Count == 0) throw new ArgumentException("no task files given: name task files (*.json) or folders holding them.");
        var duplicate = tasks.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two task files are both named '{duplicate.Key}': {string.Join(", ", duplicate.Select(t => t.File))}.");
        return new TaskSuite(tasks);
    }

    /// <summary>Task files as given; a folder contributes its *.json files in name order.</summary>
    public static IReadOnlyList<string> Files(IEnumerable<string> paths) => paths.SelectMany<string, string>(p => Directory.Exists(p)
        ? Directory.GetFiles(p, "*.json").Order(StringComparer.Ordinal)
        : File.Exists(p) ? [p] : throw new FileNotFoundException($"{p}: task file or folder not found.", p)).ToList();

    /// <summary>Warnings the files raised on load (fields Tsumugi does not use), one line each.</summary>
    public IEnumerable<string> Warnings => Tasks.Select(t => t.Warning).OfType<string>();

    /// <param name="onTask">Called as each task starts, with the task and a (done, total) progress callback to use for it.</param>
    public TaskSuiteResult Run(PretrainedModel model, TaskRunOptions options, Func<EvalTask, Action<int, int>?>? onTask = null)
    {
        var results = new List<TaskResult>();
        var seconds = new List<double>();
        foreach (var task in Tasks)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            results.Add(TaskRunner.Run(model, task, options, onTask?.Invoke(task)));
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return new TaskSuiteResult(results, seconds);
    }
}

/// <summary>
/// A suite's per-task results (and seconds each took), the flat <c>task/metric</c> scores with their plain mean as
/// <c>avg</c>, and llm-jp-eval's category averages over them.
/// </summary>
public sealed record TaskSuiteResult(IReadOnlyList<TaskResult> Tasks, IReadOnlyList<double> Seconds)
{
    public IReadOnlyDictionary<string, double> Metrics { get; } = Flatten(Tasks);

    public CategoryScores Categories => LlmJpEvalCategories.Compute(Metrics);

    static Dictionary<string, double> Flatten(IReadOnlyList<TaskResult> tasks)
    {
        var metrics = tasks.SelectMany(r => r.Metrics.Select(m => (Name: $"{r.Name}/{m.Key}", m.Value))).ToDictionary(m => m.Name, m => m.Value);
        if (metrics.Count > 1) metrics["avg"] = metrics.Values.Average();
        return metrics;
    }

    /// <summary>The `eval … --output` envelope: `eval report` reads it, and the details keep every sample's audit trail.</summary>
    public void Write(string path, string modelName, int batchSize)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        new EvalSummary(TaskSuite.Kind, modelName, DateTimeOffset.UtcNow, Metrics).Write(path, new { BatchSize = batchSize, Tasks, LlmJpEvalCategories = Categories });
    }
}
