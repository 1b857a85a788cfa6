using System.CommandLine;
using Spectre.Console;
using Tsumugi.Evaluation.Suites;
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
        var modelName = CommonOptions.ModelName("Name for the model in the results file and reports (default: the directory name; a pipeline's eval stage gives its models' names).");
        var engine = CommonOptions.Engine(EngineDescription);
        var weights = CommonOptions.EngineWeights();
        var command = new Command("tasks", "Run llm-jp-eval-format tasks: greedy generation scored as llm-jp-eval scores it (exact_match, char_f1, set_f1, BLEU and ROUGE on MeCab tokens, numbers, pearson/spearman), with its category averages; or multiple choice by log-likelihood (acc, acc_norm).")
        {
            model, modelName, adapter, tasks, output, shots, batchSize, device, engine, weights,
        };
        command.SetAction(parse =>
        {
            var options = new TaskRunOptions(parse.GetValue(shots), parse.GetValue(batchSize));
            if (options.BatchSize < 1) throw new ArgumentException($"--batch-size must be ≥ 1 (got {options.BatchSize}).");
            if (options.Shots is < 0) throw new ArgumentException($"--shots must be ≥ 0 (got {options.Shots}).");
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));
            var suite = TaskSuite.Load(parse.GetValue(tasks)!); // every file read and checked before the model loads
            foreach (var warning in suite.Warnings.SelectMany(w => w.Split('\n'))) Console.Error.WriteLine($"warning: {warning}");
            using var evalModel = LoadForEval(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(adapter), decoder);

            var table = new Table().AddColumns("task", "shots", "samples", "metric", "score", "seconds");
            TaskSuiteResult result = null!;
            Progress().Start(ctx => result = suite.Run(evalModel, options, task =>
            {
                var bar = ctx.AddTask(Markup.Escape(task.Name), maxValue: 1);
                return (done, total) => (bar.MaxValue, bar.Value) = (total, done);
            }));
            foreach (var (task, seconds) in result.Tasks.Zip(result.Seconds))
                foreach (var (metric, value) in task.Metrics)
                    table.AddRow(Markup.Escape(task.Name), task.Shots.ToString(), task.Samples.ToString(), metric, value.ToString("F4"), seconds.ToString("F1"));
            AnsiConsole.Write(table);
            if (result.Categories.Avg is not null) WriteCategories(result.Categories);
            if (parse.GetValue(output) is { } path)
            {
                result.Write(path, parse.GetValue(modelName) ?? evalModel.Name, options.BatchSize);
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
}
