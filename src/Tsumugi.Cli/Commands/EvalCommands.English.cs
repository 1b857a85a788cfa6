using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tsumugi.Evaluation;
using Tsumugi.Evaluation.English;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi eval english`: lm-evaluation-harness-style English tasks from their raw files, to watch forgetting.</summary>
public static partial class EvalCommands
{
    static partial void AddEnglish(Command group)
    {
        var model = CommonOptions.Model(helpName: "DIR");
        var tasks = new Option<string[]>("--task")
        {
            Description = $"NAME=PATH, repeatable: the evaluation split's raw file (MMLU: the folder of <subject>_test.csv). Names: {string.Join(", ", EnglishTasks.All.Select(t => t.Name))}.",
            Required = true, AllowMultipleArgumentsPerToken = true, HelpName = "NAME=PATH",
        };
        var fewShot = new Option<string[]>("--fewshot")
        {
            Description = "NAME=PATH, repeatable: the split few-shot examples are drawn from (train; MMLU: the dev folder, by default searched under its --task folder).",
            AllowMultipleArgumentsPerToken = true, HelpName = "NAME=PATH",
        };
        var shots = new Option<int?>("--shots") { HelpName = "N", Description = "Few-shot examples per prompt for every task (default: each task's harness num_fewshot: 5 for gsm8k, else 0)." };
        var limit = new Option<int?>("--limit") { HelpName = "N", Description = "Evaluate only the first N documents of each task (of each MMLU subject), as the harness's --limit." };
        var maxGen = new Option<int>("--max-gen-tokens") { HelpName = "N", Description = "Most tokens generated per answer (the harness's max_gen_toks).", DefaultValueFactory = _ => 256 };
        var addBos = new Option<bool>("--add-bos") { Description = "Prefix BOS to every context, as the harness's add_bos_token=True (off by default there, and here)." };
        var batchSize = CommonOptions.BatchSize("Rows per forward pass for multiple-choice scoring; prompts per generation batch.");
        var output = CommonOptions.OptionalOutput("Write metrics per task and every document's choices or generation to this JSON file (read by `eval report`).", "FILE.json");
        var device = CommonOptions.Device();
        var adapter = CommonOptions.Adapter();
        var engine = CommonOptions.Engine(EngineDescription);
        var weights = CommonOptions.EngineWeights();
        tasks.Validators.Add(result => PairErrors(result, "--task"));
        fewShot.Validators.Add(result => PairErrors(result, "--fewshot"));
        var command = new Command("english", "Run English tasks as lm-evaluation-harness v0.4 does (hellaswag, arc_easy, arc_challenge, mmlu: log-likelihood acc/acc_norm; gsm8k, triviaqa: greedy generation, exact match) on raw dataset files.")
        {
            model, adapter, tasks, fewShot, shots, limit, maxGen, addBos, batchSize, output, device, engine, weights,
        };
        command.SetAction(parse =>
        {
            var options = new EnglishRunOptions(parse.GetValue(shots), parse.GetValue(limit), parse.GetValue(batchSize), parse.GetValue(maxGen), parse.GetValue(addBos));
            options.Validate();
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));
            var taskPaths = Pairs("--task", parse.GetValue(tasks)!);
            var fewShotPaths = Pairs("--fewshot", parse.GetValue(fewShot) ?? []).ToDictionary(p => p.Task.Name, p => p.Path);
            if (fewShotPaths.Keys.FirstOrDefault(n => taskPaths.All(t => t.Task.Name != n)) is { } stray)
                throw new ArgumentException($"--fewshot {stray}=… given but no --task {stray}=….");
            // Read every file and build every prompt before loading the model: a wrong file costs nothing.
            var prepared = taskPaths.Select(t => (t.Task, t.Path, Prompts: EnglishPrompts.Build(t.Task, t.Path, fewShotPaths.GetValueOrDefault(t.Task.Name), options))).ToList();
            using var evalModel = LoadForEval(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(adapter), decoder);

            var results = new List<EnglishTaskResult>();
            var table = new Table().AddColumns("task", "shots", "samples", "metric", "score", "seconds");
            Progress().Start(ctx =>
            {
                foreach (var (task, path, prompts) in prepared)
                {
                    var bar = ctx.AddTask(Markup.Escape(task.Name), maxValue: 1);
                    var clock = Stopwatch.StartNew();
                    var result = EnglishTaskRunner.Run(evalModel, task, path, prompts, options, (done, total) => (bar.MaxValue, bar.Value) = (total, done));
                    bar.Value = bar.MaxValue;
                    results.Add(result);
                    foreach (var (metric, value) in result.Metrics)
                        table.AddRow(Markup.Escape(task.Name), result.Shots.ToString(), result.Samples.ToString(), Markup.Escape(metric), value.ToString("F4"), clock.Elapsed.TotalSeconds.ToString("F1"));
                }
            });
            AnsiConsole.Write(table);
            var metrics = results.SelectMany(r => r.Metrics.Select(m => (Name: $"{r.Name}/{m.Key}", m.Value))).ToDictionary(m => m.Name, m => m.Value);
            if (parse.GetValue(output) is { } file)
            {
                new EvalSummary("english", evalModel.Name, DateTimeOffset.UtcNow, metrics)
                    .Write(file, new { options.BatchSize, options.AddBos, options.MaxGenTokens, FewShotSeed = FewShotSampler.HarnessSeed, Tasks = results });
                CliApp.Info($"Wrote {file}");
            }
            return 0;
        });
        group.Add(command);
    }

    /// <summary>A malformed NAME=PATH or an unknown task name is a usage error (exit 2), reported before anything runs.</summary>
    static void PairErrors(System.CommandLine.Parsing.OptionResult result, string option)
    {
        try { Pairs(option, result.GetValueOrDefault<string[]>() ?? []); }
        catch (ArgumentException e) { result.AddError(e.Message); }
    }

    /// <summary>NAME=PATH values: a known task name each, each name once.</summary>
    static List<(EnglishTask Task, string Path)> Pairs(string option, IEnumerable<string> values)
    {
        var pairs = values.Select(v =>
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1) throw new ArgumentException($"{option} '{v}': expected NAME=PATH, e.g. {option} hellaswag=hellaswag_val.jsonl.");
            return (Task: EnglishTasks.Get(v[..eq]), Path: v[(eq + 1)..]);
        }).ToList();
        if (pairs.GroupBy(p => p.Task.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{option} {twice.Key}=… given twice.");
        return pairs;
    }
}
