using System.CommandLine;
using System.Runtime.InteropServices;
using Spectre.Console;
using Tsumugi.Common.Config;
using Tsumugi.Training;
using Tsumugi.Training.Config;
using Tsumugi.Training.Loop;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi train` and `tsumugi sft` (run or resume) with their `plan` subcommands (preflight only): one engine, two
/// kinds of data — tokenized pretraining datasets, or instruction files rendered with a chat template.
/// </summary>
public static class TrainCommands
{
    public static Command Create() => Build("train", sft: false,
        "Pretrain or continue pretraining a model on Megatron datasets (.bin/.idx) with curriculum stages.\n" +
        "Prints the plan before step 1 and refuses plans that cannot finish. Ctrl-C / SIGTERM save a checkpoint and stop; " +
        "`--resume` continues the same loss curve. Keys: docs/training.md; example: configs/tiny.yaml.");

    public static Command CreateSft() => Build("sft", sft: true,
        "Supervised fine-tuning on instruction data (JSONL/JSON/Parquet: Alpaca, ShareGPT, OpenAI messages, prompt/completion), " +
        "full or LoRA (a `lora:` section), with the loss on the assistant turns of the chat template's rendering.\n" +
        "The same engine as `train`: plan first, checkpoints, Ctrl-C + `--resume`, spike guard, held-out loss, and answers to " +
        "held-out prompts in samples.jsonl. Writes model/ (full) or adapter/ (LoRA). Keys: docs/sft.md; examples: " +
        "configs/sft-tiny.yaml, configs/sft-lora-tiny.yaml (--set model.from=DIR picks the base).");

    static Command Build(string name, bool sft, string description)
    {
        var config = ConfigOption(sft);
        var output = CommonOptions.Output($"Run directory: config.yaml, plan.txt, metrics.jsonl, events.jsonl, tensorboard/, checkpoints/, {(sft ? "samples.jsonl, model/ or adapter/" : "model/")}, loss.png.", "RUN_DIR");
        var set = SetOption();
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest complete checkpoint in --output (bit-exact on CPU); starts fresh when there is none." };
        var cmd = new Command(name, description)
        {
            config, output, set, resume,
        };
        cmd.Add(Plan(sft));
        cmd.SetAction(parse =>
        {
            var c = TrainConfig.Load(parse.GetValue(config)!, parse.GetValue(set), sft);
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
            using var trainer = Trainer.Open(c, parse.GetValue(output)!, parse.GetValue(resume), Console.Out);
            Console.Out.Write(trainer.DescribePlan());
            var outcome = RunWithProgress(trainer, c.Log.Interval, stop.Token);
            return Report(outcome, parse.GetValue(output)!, signal);
        });
        return cmd;
    }

    static Command Plan(bool sft)
    {
        var config = ConfigOption(sft);
        var set = SetOption();
        var output = CommonOptions.OptionalOutput("Where the run would be written (checked for free disk space; default: current directory).", "RUN_DIR");
        var cmd = new Command("plan", sft
            ? "Preflight only: read, check and tokenize the instruction data (rejects counted with file:line), pack it and print the plan (examples, packing efficiency, steps, epochs, checkpoint sizes). Trains nothing."
            : "Preflight only: check the config, data and disk and print the plan (tokens per stage and dataset, steps, epochs, checkpoint sizes). Trains nothing.")
        {
            config, set, output,
        };
        cmd.SetAction(parse =>
        {
            var c = TrainConfig.Load(parse.GetValue(config)!, parse.GetValue(set), sft);
            using var plan = RunPlan.Create(c, ModelFactory.Config(c.Model), 1, bf16: c.Model.Dtype == ParameterDtype.Bfloat16, parse.GetValue(output) ?? Directory.GetCurrentDirectory());
            Console.Out.Write(plan.ToText(YamlSection.SnakeCase(c.Train.Device.ToString()), c.Model.Dtype is { } dtype ? YamlSection.SnakeCase(dtype.ToString()) : "float32 on cpu, bfloat16 on cuda"));
            CliApp.Info($"plan OK (the speed and ETA are measured at the start of `tsumugi {(sft ? "sft" : "train")}`)");
            return 0;
        });
        return cmd;
    }

    static Option<string> ConfigOption(bool sft) => new("--config")
    {
        Description = sft ? "SFT config YAML (see configs/sft-tiny.yaml and docs/sft.md)." : "Training config YAML (see configs/tiny.yaml and docs/training.md).",
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
        $"{r.TokensPerSecond:N0} tok/s MFU {100 * r.Mfu:0.0}% ETA {RunPlan.FormatDuration(r.EtaSeconds)}";

    static int Report(TrainingOutcome o, string output, string? signal)
    {
        foreach (var problem in o.Problems) Console.Error.WriteLine($"warning: {problem}");
        if (!o.Completed)
        {
            CliApp.Info($"stopped by {signal ?? "request"} after step {o.Step}; continue with the same command plus --resume (the run directory is {output})");
            return 130;
        }
        var heldOut = o.HeldOutLoss.Count == 0 ? "" : "; held-out loss " + string.Join(", ", o.HeldOutLoss.Select(kv => $"{kv.Key} {kv.Value:0.000} (ppl {Math.Exp(kv.Value):0.0})"));
        var adapter = o.ModelDirectory is { } dir && Path.GetFileName(dir) == Trainer.AdapterDirectory;
        CliApp.Info($"done: {o.Step} steps, final loss {o.FinalLoss:0.0000}{heldOut}; {(adapter ? "LoRA adapter" : "model")} in {o.ModelDirectory ?? "(not written)"}"
            + (adapter ? " (use it with --adapter beside the base model, or fold it in with `tsumugi model merge-adapter`)" : ""));
        return o.ModelDirectory is null || o.Problems.Any(p => p.Contains("could not be written", StringComparison.Ordinal)) ? 1 : 0;
    }
}
