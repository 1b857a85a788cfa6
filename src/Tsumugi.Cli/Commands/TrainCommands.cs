using System.CommandLine;
using System.Runtime.InteropServices;
using Spectre.Console;
using Tsumugi.Common;
using Tsumugi.Common.Config;
using Tsumugi.Training;
using Tsumugi.Training.Config;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Parallel;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi train`, `tsumugi sft` and `tsumugi dpo` (run or resume) with their `plan` subcommands (preflight only): one
/// engine, three kinds of data — tokenized pretraining datasets, instruction files, or preference pairs (the last two
/// rendered with a chat template). Under <c>mpirun</c>/<c>srun</c> the same commands run data-parallel, one rank per
/// process (docs/cluster.md): rank 0 prints and writes the run, and an error on any rank ends every rank.
/// </summary>
public static class TrainCommands
{
    /// <summary>The groups' names and descriptions: the root command lists them without building the groups (CliApp).</summary>
    internal const string TrainName = "train";
    internal const string TrainDescription =
        "Pretrain or continue pretraining a model on Megatron datasets (.bin/.idx) with curriculum stages.\n" +
        "Prints the plan before step 1 and refuses plans that cannot finish. Ctrl-C / SIGTERM save a checkpoint and stop; " +
        "`--resume` continues the same loss curve. Keys: docs/training.md; example: configs/tiny.yaml.";

    internal const string SftName = "sft";
    internal const string SftDescription =
        "Supervised fine-tuning on instruction data (JSONL/JSON/Parquet: Alpaca, ShareGPT, OpenAI messages, prompt/completion), " +
        "full or LoRA (a `lora:` section), with the loss on the assistant turns of the chat template's rendering.\n" +
        "The same engine as `train`: plan first, checkpoints, Ctrl-C + `--resume`, spike guard, held-out loss, and answers to " +
        "held-out prompts in samples.jsonl. Writes model/ (full) or adapter/ (LoRA). Keys: docs/sft.md; examples: " +
        "configs/sft-tiny.yaml, configs/sft-lora-tiny.yaml (--set model.from=DIR picks the base).";

    internal const string DpoName = "dpo";
    internal const string DpoDescription =
        "Preference optimisation on chosen/rejected pairs (JSONL/Parquet, text or conversations; TRL's columns) or KTO's " +
        "labelled examples: DPO and its variants (sigmoid, ipo, hinge, robust, …), ORPO, SimPO/CPO and KTO, selected by " +
        "dpo.loss_type; full or LoRA (a `lora:` section).\n" +
        "The reference model's log-probs are scored once before step 1 and cached in the run directory (or, under LoRA with " +
        "dpo.reference: adapter_off, taken from the model with its adapter off). Logs TRL's rewards/* and logps/* metrics and " +
        "the held-out preference accuracy (eval_rewards/accuracies). Keys: docs/dpo.md; examples: configs/dpo-tiny.yaml, " +
        "configs/dpo-lora-tiny.yaml (--set model.from=DIR picks the SFT model). `tsumugi dpo online` runs the online iterative loop.";

    public static Command Create() => Build(TrainName, RunKind.Pretrain, TrainDescription);
    public static Command CreateSft() => Build(SftName, RunKind.Sft, SftDescription);
    public static Command CreateDpo() => Build(DpoName, RunKind.Preference, DpoDescription);

    static Command Build(string name, RunKind kind, string description)
    {
        var sft = kind != RunKind.Pretrain;
        var config = ConfigOption(kind);
        var output = CommonOptions.Output($"Run directory: config.yaml, plan.txt, metrics.jsonl, events.jsonl, tensorboard/, checkpoints/, {(sft ? "samples.jsonl, model/ or adapter/" : "model/")}{(kind == RunKind.Preference ? ", reference_logps.tsv" : "")}, loss.png.", "RUN_DIR");
        var set = SetOption();
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest complete checkpoint in --output (bit-exact on CPU); starts fresh when there is none." };
        var cmd = new Command(name, description)
        {
            config, output, set, resume,
        };
        cmd.Add(Plan(kind));
        if (kind == RunKind.Preference) cmd.Add(OnlineDpoCommand.Create());
        cmd.SetAction(parse =>
        {
            var c = TrainConfig.Load(parse.GetValue(config)!, parse.GetValue(set), kind);
            var cluster = ClusterEnvironment.Detect();
            if (!cluster.IsDistributed) return Train(c, parse.GetValue(output)!, parse.GetValue(resume), null);
            // Ranks on one node share its cores: without train.threads each would start a thread per core.
            if (c.Train.Threads == 0) c = c with { Train = c.Train with { Threads = Math.Max(1, Environment.ProcessorCount / cluster.LocalSize) } };
            using var parallel = MpiDataParallel.Start(cluster, c.Parallel.Zero, c.Parallel.BucketMb);
            try
            {
                return Train(c, parse.GetValue(output)!, parse.GetValue(resume), parallel);
            }
            catch (Exception e)
            {
                // The other ranks would wait in their next collective forever: end the whole job (mpirun reports the rank).
                if (e is not DistributedException { Secondary: true })
                    Console.Error.WriteLine($"error: rank {parallel.Rank} of {parallel.WorldSize}: {(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e).Message}");
                Console.Error.Flush();
                // MPI_Abort from any rank kills the others at once; a rank that aborted first could cut off rank 0's report.
                if (e is DistributedException { Collective: true }) parallel.Barrier();
                parallel.Abort(1);
                return 1;
            }
        });
        return cmd;
    }

    /// <summary>Runs (or resumes) one training run; <paramref name="parallel"/> is null in a single process.</summary>
    static int Train(TrainConfig c, string output, bool resume, MpiDataParallel? parallel)
    {
        using var stop = new CancellationTokenSource();
        string? signal = null;
        void OnSignal(PosixSignalContext ctx)
        {
            ctx.Cancel = true; // let the loop finish its step and save
            signal ??= ctx.Signal.ToString();
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        // Rank 0 speaks for the job; the other ranks' notes go to their own events.jsonl, and their errors to stderr.
        using var trainer = Trainer.Open(c, output, resume, parallel is { Rank: > 0 } ? TextWriter.Null : Console.Out, parallel);
        if (parallel is { Rank: > 0 })
        {
            var quiet = trainer.Run(stop.Token); // rank 0 prints the plan, the progress and the outcome
            return quiet.Completed ? 0 : 130;
        }
        Console.Out.Write(trainer.DescribePlan());
        var outcome = RunWithProgress(trainer, c.Log.Interval, stop.Token);
        return Report(outcome, output, signal);
    }

    /// <summary>Drivers that open several trainers in turn (BTM experts, online DPO iterations) run in one process.</summary>
    public static void RefuseRanks(string command)
    {
        if (ClusterEnvironment.Detect() is { IsDistributed: true } c)
            throw new ArgumentException($"`tsumugi {command}` runs in one process, but {c.Launcher} started {c.Size} ranks; run it without mpirun/srun (its training steps are single-process)");
    }

    static Command Plan(RunKind kind)
    {
        var config = ConfigOption(kind);
        var set = SetOption();
        var output = CommonOptions.OptionalOutput("Where the run would be written (checked for free disk space; default: current directory).", "RUN_DIR");
        var ranks = new Option<int?>("--ranks")
        {
            Description = "Plan for N data-parallel ranks (mpirun -np N): per-rank micro-batches, accumulation and memory with and without ZeRO-1 (parallel.zero). Default: the launcher's world size, else 1.",
            HelpName = "N",
        };
        ranks.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--ranks: at least 1"); });
        var cmd = new Command("plan", kind switch
        {
            RunKind.Sft => "Preflight only: read, check and tokenize the instruction data (rejects counted with file:line), pack it and print the plan (examples, packing efficiency, steps, epochs, checkpoint sizes). Trains nothing.",
            RunKind.Preference => "Preflight only: read, check and tokenize the preference data (rejects, identical pairs and truncations counted with file:line) and print the plan (pairs, loss, reference, steps, checkpoint sizes). Trains nothing.",
            _ => "Preflight only: check the config, data and disk and print the plan (tokens per stage and dataset, steps, epochs, checkpoint sizes). Trains nothing.",
        })
        {
            config, set, output, ranks,
        };
        cmd.SetAction(parse =>
        {
            var c = TrainConfig.Load(parse.GetValue(config)!, parse.GetValue(set), kind);
            var world = parse.GetValue(ranks) ?? ClusterEnvironment.Detect().Size;
            using var plan = RunPlan.Create(c, ModelFactory.Config(c.Model), world, bf16: c.Model.Dtype == ParameterDtype.Bfloat16, parse.GetValue(output) ?? Directory.GetCurrentDirectory());
            Console.Out.Write(plan.ToText(YamlSection.SnakeCase(c.Train.Device.ToString()), c.Model.Dtype is { } dtype ? YamlSection.SnakeCase(dtype.ToString()) : "float32 on cpu, bfloat16 on cuda"));
            CliApp.Info($"plan OK (the speed and ETA are measured at the start of `tsumugi {CommandName(kind)}`)");
            return 0;
        });
        return cmd;
    }

    static string CommandName(RunKind kind) => kind switch { RunKind.Sft => "sft", RunKind.Preference => "dpo", _ => "train" };

    static Option<string> ConfigOption(RunKind kind) => new("--config")
    {
        Description = kind switch
        {
            RunKind.Sft => "SFT config YAML (see configs/sft-tiny.yaml and docs/sft.md).",
            RunKind.Preference => "Preference config YAML (see configs/dpo-tiny.yaml and docs/dpo.md).",
            _ => "Training config YAML (see configs/tiny.yaml and docs/training.md).",
        },
        Required = true,
        HelpName = "FILE",
    };

    static Option<string[]> SetOption() => new("--set")
    {
        Description = "Override a config key: --set train.max_steps=100 --set data.path=DIR (repeatable; the value is YAML).",
        AllowMultipleArgumentsPerToken = false,
        HelpName = "KEY=VALUE",
    };

    static TrainingOutcome RunWithProgress(Trainer trainer, long interval, CancellationToken stop)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            trainer.StepCompleted += r =>
            {
                if (r.Step % interval == 0 || r.Step == r.TotalSteps) Console.Out.WriteLine(Line(r));
            };
            return trainer.Run(stop);
        }
        TrainingOutcome outcome = null!;
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("train", maxValue: trainer.Plan.Steps);
                task.Value = trainer.Step;
                trainer.StepCompleted += r =>
                {
                    task.Value = r.Step;
                    task.Description = Markup.Escape($"step {r.Step}/{r.TotalSteps} loss {r.Loss:0.0000} {r.TokensPerSecond:N0} tok/s");
                    if (r.Step % interval == 0) AnsiConsole.WriteLine(Line(r));
                };
                outcome = trainer.Run(stop);
            });
        return outcome;
    }

    static string Line(StepReport r) =>
        $"step {r.Step}/{r.TotalSteps} [{r.Stage}] loss {r.Loss:0.0000}{(r.Skipped ? " (skipped)" : "")} lr {r.LearningRate:0.00e+00} gnorm {r.GradNorm:0.000} " +
        $"{r.TokensPerSecond:N0} tok/s MFU {100 * r.Mfu:0.0}%{(r.HardwareMfu is { } hw ? $" (of FMA peak {100 * hw:0.0}%)" : "")} ETA {RunPlan.FormatDuration(r.EtaSeconds)}";

    static int Report(TrainingOutcome o, string output, string? signal)
    {
        foreach (var problem in o.Problems) Console.Error.WriteLine($"warning: {problem}");
        if (!o.Completed)
        {
            CliApp.Info($"stopped by {signal ?? "request"} after step {o.Step}; continue with the same command plus --resume (the run directory is {output})");
            return 130;
        }
        var heldOut = o.HeldOutLoss.Count == 0 ? "" : "; held-out loss " + string.Join(", ", o.HeldOutLoss.Select(kv => $"{kv.Key} {kv.Value:0.000} (ppl {Math.Exp(kv.Value):0.0})"));
        if (o.HeldOutMetrics?.GetValueOrDefault("rewards/accuracies") is { } accuracy) heldOut += $"; held-out preference accuracy {accuracy:P1}";
        var adapter = o.ModelDirectory is { } dir && Path.GetFileName(dir) == Trainer.AdapterDirectory;
        CliApp.Info($"done: {o.Step} steps, final loss {o.FinalLoss:0.0000}{heldOut}; {(adapter ? "LoRA adapter" : "model")} in {o.ModelDirectory ?? "(not written)"}"
            + (adapter ? " (use it with --adapter beside the base model, or fold it in with `tsumugi model merge-adapter`)" : ""));
        return o.ModelDirectory is null || o.Problems.Any(p => p.Contains("could not be written", StringComparison.Ordinal)) ? 1 : 0;
    }
}
