using System.CommandLine;
using System.Runtime.InteropServices;
using Tsumugi.Training.Config;
using Tsumugi.Training.Online;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi dpo online`: the iterative generate → score → pair → DPO loop (<see cref="OnlineDpoLoop"/>).</summary>
public static class OnlineDpoCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "Online DPO config YAML: model.from (the SFT policy), an online: section (prompts, samples_per_prompt, reward) and the dpo/train/lora sections of `tsumugi dpo` (see configs/dpo-online-tiny.yaml and docs/dpo.md).",
            Required = true,
            HelpName = "FILE",
        };
        var output = CommonOptions.Output("Run directory: config.yaml, iterations/000 (the starting policy measured), iterations/NNN/{samples,samples_rewards,pairs,held_out,held_out_rewards}.jsonl, train/, held_out.json, summary.json.", "RUN_DIR");
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set online.iterations=5 (repeatable; the value is YAML).", HelpName = "KEY=VALUE" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --output where it stopped (inside an iteration: nothing sampled, scored or trained is redone)." };
        var cmd = new Command("online",
            "Online iterative DPO (RLHFlow's recipe): each iteration samples k answers per prompt from the current policy with the batched " +
            "generator, scores them with a rule (regex, exact answer, a script) or a judge model behind an OpenAI-compatible endpoint, " +
            "pairs the best with the worst, trains DPO on the pairs and measures the new policy's reward on held-out prompts. " +
            "Every iteration's answers, rewards and pairs are kept; Ctrl-C, SIGTERM or kill -9 then --resume continue without redoing work.")
        {
            config, output, set, resume,
        };
        cmd.SetAction(parse =>
        {
            TrainCommands.RefuseRanks("dpo online");
            var c = TrainConfig.Load(parse.GetValue(config)!, parse.GetValue(set), RunKind.OnlinePreference);
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext ctx)
            {
                ctx.Cancel = true; // finish the record or step in hand, save, stop
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var run = parse.GetValue(output)!;
            var outcome = new OnlineDpoLoop(c, run, Console.Out).Run(parse.GetValue(resume), stop.Token);
            foreach (var i in outcome.Iterations)
                Console.Out.WriteLine($"iteration {i.Iteration}: held-out reward {i.HeldOutReward:0.###}{(i.Iteration > 0 ? $", {i.Pairs} pairs, mean sampled reward {i.MeanTrainReward:0.###}" : " (starting policy)")}");
            if (!outcome.Completed)
            {
                CliApp.Info($"stopped: {outcome.StopReason} (run directory {run})");
                return stop.IsCancellationRequested ? 130 : 1;
            }
            CliApp.Info($"done: held-out reward {outcome.Iterations[0].HeldOutReward:0.###} → {outcome.Iterations[^1].HeldOutReward:0.###} over {outcome.Iterations.Count - 1} iteration(s); final policy {outcome.FinalPolicy}");
            return 0;
        });
        return cmd;
    }
}
