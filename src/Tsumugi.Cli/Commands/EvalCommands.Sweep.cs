using System.CommandLine;
using Spectre.Console;
using Tsumugi.Evaluation.Reports;
using Tsumugi.Evaluation.Suites;
using Tsumugi.Generation.Engine;
using Tsumugi.Training.TaskEval;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval sweep RUN…`: every checkpoint of one or more training runs on one task set, into one table (the
/// Swallow learning-rate search). Scores already on disk (the trainer's eval.tasks, an earlier sweep) are reused, so a
/// second sweep only evaluates new checkpoints; with --follow it waits for the checkpoints of runs still training
/// (the separate process of <c>eval.mode: queue</c>).
/// </summary>
public static partial class EvalCommands
{
    static partial void AddSweep(Command group)
    {
        var runs = new Argument<string[]>("RUN") { Description = "Run folders (--output of train, sft, dpo) whose checkpoints/step-N are evaluated.", Arity = ArgumentArity.OneOrMore };
        var tasks = new Option<string[]>("--tasks")
        {
            Description = "Task files or folders (llm-jp-eval JSON). Default: the run's eval.tasks (RUN/eval/suite.json).",
            AllowMultipleArgumentsPerToken = true, HelpName = "FILE",
        };
        var shots = new Option<int?>("--shots") { Description = "Few-shot examples per prompt (default: the run's eval.shots, else 4)." };
        var maxSamples = new Option<int?>("--max-samples") { Description = "Only each task's first N samples (default: the run's eval.max_samples, else all)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Prompts per generation batch, rows per scoring pass (default: the run's eval.batch_size, else 8)." };
        var force = new Option<bool>("--force") { Description = "Evaluate every checkpoint again, even those with scores on disk." };
        var follow = new Option<bool>("--follow") { Description = "Keep waiting for new checkpoints until every run has written its final model." };
        var poll = new Option<int>("--poll") { Description = "Seconds between looks for new checkpoints with --follow.", DefaultValueFactory = _ => 30 };
        var output = CommonOptions.OptionalOutput("Write the table as Markdown to this file.");
        var json = new Option<string?>("--json") { Description = "Write the table as JSON (columns, rows, best cells) to this file." };
        var device = CommonOptions.Device();
        var engine = CommonOptions.Engine(EngineDescription);
        var weights = CommonOptions.EngineWeights();
        var command = new Command("sweep", "Evaluate every checkpoint of one or more runs on one task set and compare them in one table (scores land in RUN/eval/step-N/tasks.json).")
        {
            runs, tasks, shots, maxSamples, batchSize, force, follow, poll, output, json, device, engine, weights,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(poll) < 1) throw new ArgumentException($"--poll must be ≥ 1 second (got {parse.GetValue(poll)}).");
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));
            var sweeps = parse.GetValue(runs)!.Select(run => RunSweep.Open(Path.GetFullPath(run), parse.GetValue(tasks), parse.GetValue(shots),
                parse.GetValue(maxSamples), parse.GetValue(batchSize))).ToList();
            foreach (var warning in sweeps.SelectMany(s => s.Suite.Warnings).Distinct()) Console.Error.WriteLine($"warning: {warning}");
            var evaluated = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                foreach (var sweep in sweeps)
                    foreach (var point in CheckpointSweep.Points(sweep.Run, sweep.Spec))
                        if (!evaluated.Contains(point.ResultPath) && (parse.GetValue(force) || !point.IsDone(sweep.Suite)))
                        {
                            Evaluate(sweep, point, parse.GetValue(device)!, decoder);
                            evaluated.Add(point.ResultPath);
                        }
                if (!parse.GetValue(follow) || sweeps.All(s => CheckpointSweep.IsFinished(s.Run) && NothingPending(s, evaluated, parse.GetValue(force)))) break;
                Thread.Sleep(TimeSpan.FromSeconds(parse.GetValue(poll)));
            }

            var files = sweeps.SelectMany(s => CheckpointSweep.Results(s.Run)).ToList();
            if (files.Count == 0) throw new InvalidDataException($"no checkpoints to evaluate in {string.Join(", ", sweeps.Select(s => s.Run))}; runs write checkpoints every checkpoint.interval steps.");
            var table = ComparisonTable.Build(files);
            var markdown = MarkdownReport.Render(table);
            Write(parse.GetValue(output), markdown);
            Write(parse.GetValue(json), JsonReport.Render(table));
            Console.Write(markdown);
            Console.Error.WriteLine($"[{files.Count} checkpoints of {sweeps.Count} run(s), {evaluated.Count} evaluated now]");
            return 0;
        });
        group.Add(command);
    }

    static bool NothingPending(RunSweep sweep, HashSet<string> evaluated, bool force) =>
        CheckpointSweep.Points(sweep.Run, sweep.Spec).All(p => evaluated.Contains(p.ResultPath) || (!force && p.IsDone(sweep.Suite)));

    static void Evaluate(RunSweep sweep, SweepPoint point, string device, (DecodeEngineKind Kind, WeightFormat? Weights) decoder)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var model = LoadForEval(point.ModelDirectory, device, point.Adapter, decoder, point.Name);
        TaskSuiteResult result = null!;
        Progress().Start(ctx => result = sweep.Suite.Run(model, sweep.Spec.RunOptions, task =>
        {
            var bar = ctx.AddTask(Markup.Escape($"{point.Name} {task.Name}"), maxValue: 1);
            return (done, total) => (bar.MaxValue, bar.Value) = (total, done);
        }));
        result.Write(point.ResultPath, point.Name, sweep.Spec.BatchSize);
        var avg = result.Metrics.TryGetValue("avg", out var a) ? $"avg {a:0.0000}" : string.Join(", ", result.Metrics.Select(m => $"{m.Key} {m.Value:0.0000}"));
        CliApp.Info($"{point.Name}: {avg} ({clock.Elapsed.TotalSeconds:0.0} s)");
    }

    /// <summary>One run of the sweep: its folder, the task settings it is evaluated with, and the loaded task files.</summary>
    sealed record RunSweep(string Run, TaskEvalSpec Spec, TaskSuite Suite)
    {
        /// <summary>Command-line settings override the run's eval section (RUN/eval/suite.json); without either, --tasks is required.</summary>
        public static RunSweep Open(string run, string[]? tasks, int? shots, int? maxSamples, int? batchSize)
        {
            if (!Directory.Exists(run)) throw new DirectoryNotFoundException($"{run}: no such run folder.");
            var saved = CheckpointSweep.SavedSpec(run);
            if (tasks is not { Length: > 0 } && saved is null)
                throw new ArgumentException($"{run}: the run's config has no eval.tasks (no eval/suite.json); pass --tasks FILE… to choose the tasks.");
            var spec = new TaskEvalSpec(
                tasks is { Length: > 0 } ? tasks.Select(Path.GetFullPath).ToList() : saved!.Tasks,
                shots ?? saved?.Shots, maxSamples ?? saved?.MaxSamples, batchSize ?? saved?.BatchSize ?? 8, saved?.BaseModel);
            if (spec.BatchSize < 1) throw new ArgumentException($"--batch-size must be ≥ 1 (got {spec.BatchSize}).");
            return new RunSweep(run, spec, spec.LoadSuite());
        }
    }
}
