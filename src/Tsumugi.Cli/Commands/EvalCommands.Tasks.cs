using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tsumugi.Evaluation;
using Tsumugi.Evaluation.Reports;
using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi eval tasks`: llm-jp-eval-format generation tasks and log-likelihood multiple choice.</summary>
public static partial class EvalCommands
{
    static partial void AddTasks(Command group)
    {
        var model = CommonOptions.Model(helpName: "DIR");
        var tasks = new Option<string[]>("--tasks")
        {
            Description = "Task files in llm-jp-eval's unified JSON format, or folders of them (*.json).",
            Required = true, AllowMultipleArgumentsPerToken = true, HelpName = "FILE",
        };
        var output = CommonOptions.OptionalOutput("Write metrics per task and every sample's input, gold, prediction and score to this JSON file.", "FILE.json");
        var shots = new Option<int?>("--shots") { Description = $"Few-shot examples per prompt, from the file's few_shots or else its train split's samples (default: the file's num_few_shots, else {TaskRunOptions.DefaultShots} as Swallow; capped by what there is)." };
        var batchSize = CommonOptions.BatchSize("Rows per forward pass for multiple-choice scoring; prompts per generation batch.");
        var device = CommonOptions.Device();
        var adapter = CommonOptions.Adapter();
        var command = new Command("tasks", "Run llm-jp-eval-format tasks: greedy generation scored as llm-jp-eval scores it (exact_match, char_f1, set_f1, BLEU and ROUGE on MeCab tokens, numbers, pearson/spearman), with its category averages; or multiple choice by log-likelihood (acc, acc_norm).")
        {
            model, adapter, tasks, output, shots, batchSize, device,
        };
        command.SetAction(parse =>
        {
            var options = new TaskRunOptions(parse.GetValue(shots), parse.GetValue(batchSize));
            if (options.BatchSize < 1) throw new ArgumentException($"--batch-size must be ≥ 1 (got {options.BatchSize}).");
            if (options.Shots is < 0) throw new ArgumentException($"--shots must be ≥ 0 (got {options.Shots}).");
            // Read every task file before loading the model: a typo in the last file costs nothing.
            var loaded = TaskFiles(parse.GetValue(tasks)!).Select(EvalTaskFile.Load).ToList();
            foreach (var task in loaded)
                foreach (var warning in task.Warning?.Split('\n') ?? []) Console.Error.WriteLine($"warning: {warning}");
            var duplicate = loaded.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new ArgumentException($"two task files are both named '{duplicate.Key}': {string.Join(", ", duplicate.Select(t => t.File))}.");
            using var evalModel = LoadForEval(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(adapter));

            var results = new List<TaskResult>();
            var table = new Table().AddColumns("task", "shots", "samples", "metric", "score", "seconds");
            Progress().Start(ctx =>
            {
                foreach (var task in loaded)
                {
                    var bar = ctx.AddTask(Markup.Escape(task.Name), maxValue: 1);
                    var clock = Stopwatch.StartNew();
                    var result = TaskRunner.Run(evalModel, task, options, (done, total) => (bar.MaxValue, bar.Value) = (total, done));
                    bar.Value = bar.MaxValue;
                    results.Add(result);
                    foreach (var (metric, value) in result.Metrics)
                        table.AddRow(Markup.Escape(task.Name), result.Shots.ToString(), result.Samples.ToString(), metric, value.ToString("F4"), clock.Elapsed.TotalSeconds.ToString("F1"));
                }
            });
            AnsiConsole.Write(table);
            var metrics = results.SelectMany(r => r.Metrics.Select(m => (Name: $"{r.Name}/{m.Key}", m.Value))).ToDictionary(m => m.Name, m => m.Value);
            var categories = LlmJpEvalCategories.Compute(metrics);
            if (categories.Avg is not null) WriteCategories(categories);
            if (metrics.Count > 1) metrics["avg"] = metrics.Values.Average();
            if (parse.GetValue(output) is { } path)
            {
                new EvalSummary("tasks", evalModel.Name, DateTimeOffset.UtcNow, metrics).Write(path, new { options.BatchSize, Tasks = results, LlmJpEvalCategories = categories });
                CliApp.Info($"Wrote {path}");
            }
            return 0;
        });
        group.Add(command);
    }

    /// <summary>llm-jp-eval's category averages, one column each, with what AVG covers underneath.</summary>
    static void WriteCategories(CategoryScores scores)
    {
        var shown = LlmJpEvalCategories.Averaged.Concat(LlmJpEvalCategories.Extra).Where(scores.Averages.ContainsKey).ToList();
        var table = new Table().Title("llm-jp-eval categories").AddColumn("AVG");
        foreach (var c in shown) table.AddColumn(c);
        table.AddRow([scores.Avg!.Value.ToString("F4"), .. shown.Select(c => scores.Averages[c].ToString("F4"))]);
        AnsiConsole.Write(table);
        Console.Error.WriteLine(scores.Note);
    }

    /// <summary>Task files as given; a folder contributes its *.json files in name order.</summary>
    static IEnumerable<string> TaskFiles(IEnumerable<string> paths) => paths.SelectMany<string, string>(p => Directory.Exists(p)
        ? Directory.GetFiles(p, "*.json").Order(StringComparer.Ordinal)
        : File.Exists(p) ? [p] : throw new FileNotFoundException($"{p}: task file or folder not found."));
}
