using System.CommandLine;
using Spectre.Console;
using Tsumugi.Cli.Stages;
using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi pipeline run | plan | status | kinds`: every stage from one YAML file, each in its own folder under the
/// output, fingerprinted (keys, files, upstream stages) so a rerun skips what is finished and unchanged, resumes an
/// interrupted trainer from its checkpoint, and reruns a changed stage with everything that reads it.
/// </summary>
public static class PipelineCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "pipeline";
    internal const string Description =
        "Run every stage from one YAML file (corpus → tokenizer → data → pretrain → SFT → DPO → merge/upcycle → eval → export), " +
        "resumably: finished stages are skipped, an interrupted one resumes, a changed one reruns with what follows it. See docs/pipeline.md.";

    public static Command Create()
    {
        var command = new Command(Name, Description);
        command.Add(Run());
        command.Add(Plan());
        command.Add(Status());
        command.Add(Kinds());
        return command;
    }

    static Argument<string> File() => new("PIPELINE") { Description = "Pipeline YAML file (e.g. configs/demo-pipeline.yaml)." };
    static Option<string?> Output() => CommonOptions.OptionalOutput("Output folder (default: the file's `output:` key, else NAME-output): OUTPUT/STAGE per stage, OUTPUT/.pipeline/state.json.", "DIR");
    static Option<string[]> Set() => new("--set")
    {
        Description = "Override a stage key: --set pretrain.set.train.max_steps=100 --set tokenizer.vocab_size=16000 (repeatable; the value is YAML).",
        AllowMultipleArgumentsPerToken = false,
    };

    static Command Run()
    {
        var (file, output, set) = (File(), Output(), Set());
        var rerun = new Option<string[]>("--rerun") { Description = "Run this stage (and every stage that reads it) again even if finished and unchanged, e.g. after upgrading Tsumugi (repeatable)." };
        var command = new Command("run", "Run the pipeline: each stage that is not finished and unchanged runs, in order; the output says which were skipped and why.") { file, output, set, rerun };
        command.SetAction(parse => RunPipeline(parse.GetValue(file)!, parse.GetValue(output), parse.GetValue(set) ?? [], parse.GetValue(rerun) ?? []));
        return command;
    }

    /// <summary>Loads, prepares and runs a pipeline (the demo calls this too).</summary>
    public static int RunPipeline(string file, string? output, IReadOnlyList<string> sets, IReadOnlyCollection<string>? rerun = null)
    {
        var pipeline = Orchestration.Pipeline.Prepare(PipelineSpec.Load(file, sets), StageKinds.All, output);
        AnsiConsole.MarkupLine($"[bold]pipeline {Markup.Escape(pipeline.Spec.Name)}[/]: {pipeline.Stages.Count} stages → {Markup.Escape(pipeline.Output)}");
        new PipelineRunner(pipeline, new ConsoleObserver(), new ThroughputLog(ThroughputLog.DefaultPath()), rerun).Run();
        AnsiConsole.MarkupLine($"[green]pipeline finished[/]: {Markup.Escape(pipeline.Output)}; watch runs with `tsumugi dashboard --runs {Markup.Escape(pipeline.Output)}`");
        return 0;
    }

    static Command Plan()
    {
        var (file, output, set) = (File(), Output(), Set());
        var command = new Command("plan", "Check every stage (all config errors at once), and show what a run would do with each, its time and disk estimate, and the free disk.") { file, output, set };
        command.SetAction(parse =>
        {
            var pipeline = Orchestration.Pipeline.Prepare(PipelineSpec.Load(parse.GetValue(file)!, parse.GetValue(set) ?? []), StageKinds.All, parse.GetValue(output));
            var estimates = PipelinePlanner.Estimate(pipeline, PipelineState.Load(pipeline.Output), new ThroughputLog(ThroughputLog.DefaultPath()));
            var table = new Table().AddColumns("stage", "kind", "action", "time", "disk", "estimate from");
            foreach (var e in estimates)
                table.AddRow(Markup.Escape(e.Stage.Name), Markup.Escape(e.Stage.Spec.Kind), Action(e.Decision),
                    e.Seconds is { } t ? Duration(t) : "?", e.Bytes is { } b ? Bytes(b) : "?", Markup.Escape(e.Basis));
            AnsiConsole.Write(table);
            Legend();
            foreach (var disabled in pipeline.Disabled) CliApp.Info($"{disabled.Name}: disabled (enabled: false)");
            long need = estimates.Sum(e => e.Bytes ?? 0);
            var free = FreeBytes(pipeline.Output);
            double seconds = estimates.Sum(e => e.Seconds ?? 0);
            int unknown = estimates.Count(e => e.Seconds is null);
            CliApp.Info($"total: {Duration(seconds)}{(unknown > 0 ? $" + {unknown} stage(s) never measured on this machine" : "")}; disk {Bytes(need)} of {Bytes(free)} free at {pipeline.Output}");
            if (need > free)
            {
                Console.Error.WriteLine($"error: the stages need about {Bytes(need)} but {pipeline.Output} has {Bytes(free)} free; free space or choose another --output.");
                return 1;
            }
            return 0;
        });
        return command;
    }

    static Command Status()
    {
        var (file, output, set) = (File(), Output(), Set());
        var command = new Command("status", "Each stage's state (done, running, failed, pending), when it finished, its result, and whether a run would redo it.") { file, output, set };
        command.SetAction(parse =>
        {
            var pipeline = Orchestration.Pipeline.Prepare(PipelineSpec.Load(parse.GetValue(file)!, parse.GetValue(set) ?? []), StageKinds.All, parse.GetValue(output));
            var state = PipelineState.Load(pipeline.Output);
            var table = new Table().AddColumns("stage", "state", "next run", "finished", "time", "result");
            foreach (var (stage, decision) in pipeline.Decide(state))
            {
                var record = state.Find(stage.Name);
                table.AddRow(Markup.Escape(stage.Name), Markup.Escape(record?.State ?? StageRecord.Pending), Action(decision),
                    record?.Finished?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    record?.Seconds is { } s ? Duration(s) : "", Markup.Escape(record?.Message ?? ""));
            }
            AnsiConsole.Write(table);
            Legend();
            return 0;
        });
        return command;
    }

    static Command Kinds()
    {
        var command = new Command("kinds", "List the stage kinds and their keys.");
        command.SetAction(_ =>
        {
            foreach (var kind in StageKinds.All.Values) CliApp.Info($"{kind.Name,-16} {kind.Help}");
            CliApp.Info("Every stage also takes: enabled (true), watch [files its config reads], and command-running kinds take args [extra flags].");
            return 0;
        });
        return command;
    }

    static string Action(StageDecision decision) => decision.ToString().ToLowerInvariant();

    static void Legend() => CliApp.Info(string.Join("; ", Enum.GetValues<StageDecision>().Select(d => $"{Action(d)}: {d.Describe()}")));

    static long FreeBytes(string path)
    {
        var existing = new DirectoryInfo(path);
        while (existing is not null && !existing.Exists) existing = existing.Parent;
        return new DriveInfo(existing?.FullName ?? "/").AvailableFreeSpace;
    }

    static string Duration(double seconds) => seconds < 90 ? $"{seconds:F0} s" : seconds < 5400 ? $"{seconds / 60:F0} min" : $"{seconds / 3600:F1} h";

    static string Bytes(long bytes) => bytes < 1 << 20 ? $"{bytes / 1024.0:F0} KiB" : bytes < 1L << 30 ? $"{bytes / 1048576.0:F0} MiB" : $"{bytes / 1073741824.0:F1} GiB";

    /// <summary>Prints each stage's decision and result as it goes.</summary>
    sealed class ConsoleObserver : IPipelineObserver
    {
        public void Skipped(PreparedStage stage, StageRecord record) =>
            AnsiConsole.MarkupLine($"[grey]⏭ {Markup.Escape(stage.Name)}: skipped, finished {record.Finished?.ToLocalTime():yyyy-MM-dd HH:mm:ss} and unchanged[/]");

        public void Starting(PreparedStage stage, StageDecision decision) =>
            AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(stage.Name)}[/] ({Markup.Escape(stage.Spec.Kind)}): {Markup.Escape(decision.ToString().ToLowerInvariant())}, {Markup.Escape(decision.Describe())}").LeftJustified());

        public void Finished(PreparedStage stage, StageRecord record) =>
            AnsiConsole.MarkupLine($"[green]✓[/] {Markup.Escape(stage.Name)}: {Markup.Escape(record.Message ?? "")} [grey]({record.Seconds:F1} s)[/]");

        public void Failed(PreparedStage stage, Exception error) =>
            Console.Error.WriteLine($"stage {stage.Name} failed; fix it and run again: finished stages are skipped{(stage.Kind.Resumable ? ", this one resumes" : "")}.");
    }
}
