using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spectre.Console;
using Tsumugi.Composition;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Methods;
using Tsumugi.Composition.Moe;
using Tsumugi.Training;
using Tsumugi.Training.Btm;
using Tsumugi.Training.Config;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi btm`: Branch-Train-Merge — every domain expert branched from one seed and trained on its own datasets
/// (<see cref="BtmRun"/>), then merged into one model (mergekit methods, <see cref="Merger"/>) or kept as a BTM ensemble
/// that `eval perplexity` and `generate` load. Thin: the orchestration lives in Tsumugi.Training.Btm.
/// </summary>
public static class BtmCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "btm";
    internal const string Description =
        "Branch-Train-Merge: train one expert per domain from a shared seed, then combine them: merge (any mergekit merge_method, the seed as " +
        "base_model for task-vector methods) into DIR/model, or ensemble (the BTM posterior-weighted mixture) into DIR/ensemble. Rerunning " +
        "skips finished experts and resumes an interrupted one. Keys: docs/btm.md.";

    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "BTM config YAML (see configs/btm-tiny.yaml and docs/btm.md).", Required = true, HelpName = "FILE" };
        var output = CommonOptions.Output("Run directory: btm.yaml, seed/ (preset seeds), experts/NAME/ (one `tsumugi train` run each), then model/ (merge) or ensemble/ (ensemble), btm_summary.json.", "DIR");
        var command = new Command(Name, Description)
        {
            config, output,
        };
        command.SetAction(parse =>
        {
            TrainCommands.RefuseRanks("btm");
            var c = BtmConfig.Load(parse.GetValue(config)!);
            var method = CheckCombine(c);
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext ctx)
            {
                ctx.Cancel = true; // the expert in training saves a checkpoint and stops
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var run = BtmRun.Prepare(c, parse.GetValue(output)!, Console.Out);
            CliApp.Info($"BTM: {run.Experts.Count} experts from seed {run.SeedDirectory}; combine: {Describe(c.Combine)}");
            var results = new List<BtmExpertResult>();
            foreach (var expert in run.Experts)
            {
                if (expert.IsTrained) CliApp.Info($"expert {expert.Name}: already trained in {expert.RunDirectory}; skipped (delete {BtmExpertResult.FileName} there to train it again)");
                else CliApp.Info($"expert {expert.Name}: training on {string.Join(", ", expert.Spec.Datasets.Select(d => $"{d.Name} ({d.Domain})"))} → {expert.RunDirectory}");
                var result = run.Train(expert, Console.Out, trainer => Progress(trainer, expert.Name, expert.TrainConfig.Log.Interval), stop.Token);
                results.Add(result);
                if (!result.Completed)
                {
                    CliApp.Info($"stopped during expert {expert.Name} at step {result.Steps}; run the same command again to resume it");
                    return 130;
                }
            }
            AnsiConsole.Write(Summary(results));
            string combined = method switch
            {
                BtmCombineMethod.Merge => Merge(run),
                BtmCombineMethod.Btx => Btx(run),
                _ => run.BuildEnsemble(Console.Out),
            };
            WriteSummary(run, results, combined);
            CliApp.Info(method != BtmCombineMethod.Ensemble
                ? $"done: {(method == BtmCombineMethod.Btx ? "BTX mixture-of-experts" : "merged")} model in {combined}"
                : $"done: ensemble in {combined} (use it with `tsumugi eval perplexity --model {combined}` or `tsumugi generate --model {combined}`)");
            return 0;
        });
        return command;
    }

    /// <summary>What cannot run is refused before any expert trains: unknown merge methods.</summary>
    static BtmCombineMethod CheckCombine(BtmConfig c)
    {
        var combine = c.Combine;
        if (combine.Method == BtmCombineMethod.Merge && !MergeMethodInfo.All.ContainsKey(combine.MergeMethod!))
        {
            var why = MergeMethodInfo.NotImplemented.Contains(combine.MergeMethod) ? "is a mergekit method Tsumugi does not implement" : "is not a merge method";
            throw new TrainConfigException($"{c.Source}:{combine.MergeMethodLine}: combine.merge_method: '{combine.MergeMethod}' {why} (available: {string.Join(", ", MergeMethodInfo.All.Keys)})");
        }
        return combine.Method;
    }

    static string Describe(BtmCombine c) => c.Method switch
    {
        BtmCombineMethod.Merge => $"merge ({c.MergeMethod})",
        _ => $"ensemble (top_k {(c.TopK?.ToString(CultureInfo.InvariantCulture) ?? "all")}, {(c.PriorData.Count > 0 ? $"prior from {string.Join(", ", c.PriorData)}" : "uniform prior")})",
    };

    static void Progress(Trainer trainer, string name, long interval)
    {
        trainer.StepCompleted += r =>
        {
            if (r.Step % interval == 0 || r.Step == r.TotalSteps)
                Console.Out.WriteLine($"  [{name}] step {r.Step}/{r.TotalSteps} loss {r.Loss:0.0000} lr {r.LearningRate:0.00e+00} {r.TokensPerSecond:N0} tok/s ETA {RunPlan.FormatDuration(r.EtaSeconds)}");
        };
    }

    /// <summary>One row per expert: steps, tokens, final loss and held-out loss per domain (a column per domain seen).</summary>
    static Table Summary(IReadOnlyList<BtmExpertResult> results)
    {
        var domains = results.SelectMany(r => r.HeldOutLoss.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = new Table().AddColumns("expert", "steps", "tokens", "final loss");
        foreach (var d in domains) table.AddColumn(Markup.Escape($"val loss {d}"));
        table.AddColumn("");
        foreach (var r in results)
        {
            var cells = new List<string> { Markup.Escape(r.Name), r.Steps.ToString("N0"), r.Tokens.ToString("N0"), r.FinalLoss is { } l ? l.ToString("0.0000") : "-" };
            cells.AddRange(domains.Select(d => r.HeldOutLoss.TryGetValue(d, out var v) ? v.ToString("0.0000") : "-"));
            cells.Add(r.Skipped ? "(skipped: trained before)" : "");
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    /// <summary>The mergekit config BtmRun wrote, through the same merger as `tsumugi merge`, into DIR/model (replacing an earlier merge).</summary>
    static string Merge(BtmRun run)
    {
        var info = MergeMethodInfo.All[run.Config.Combine.MergeMethod!];
        var path = run.WriteMergeConfig(withBaseModel: info.NeedsBase, withWeights: info.PerModel.Any(p => p.Name == "weight"));
        var merge = MergeConfigReader.Load(path);
        var target = Path.Combine(run.OutputDirectory, BtmRun.ModelDirectoryName);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true); // derived from the experts; rebuilt on every run
        var result = Merger.Run(merge, new Merger.Options(target, unchecked((ulong)run.Config.Seed)));
        CliApp.Info($"merged {run.Experts.Count} experts with {merge.Method} ({result.Tensors} tensors, {result.Bytes:N0} bytes); config {path}");
        return result.Directory;
    }

    /// <summary>
    /// Branch-Train-MiX: each expert's MLP becomes one MoE expert per layer, attention/embeddings/norms the experts'
    /// mean, a new router (top_k, default 2) — into DIR/model, to be trained further with `tsumugi train`.
    /// </summary>
    static string Btx(BtmRun run)
    {
        var target = Path.Combine(run.OutputDirectory, BtmRun.ModelDirectoryName);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true); // derived from the experts; rebuilt on every run
        int topK = run.Config.Combine.TopK ?? Math.Min(2, run.Experts.Count);
        var result = BranchTrainMix.Assemble(new BtxOptions(run.Experts.Select(e => e.ModelDirectory).ToList(), target, 1, topK,
            Seed: unchecked((ulong)run.Config.Seed)));
        CliApp.Info($"BTX: {result.Experts} experts × {result.Layers} layers, top-{topK} ({result.Tensors} tensors, {result.Bytes:N0} bytes); continue training it with `tsumugi train --set model.from={target}`");
        return result.Directory;
    }

    static void WriteSummary(BtmRun run, IReadOnlyList<BtmExpertResult> results, string combined)
    {
        var summary = new
        {
            Seed = run.SeedDirectory,
            Combine = run.Config.Combine.Method.ToString().ToLowerInvariant(),
            run.Config.Combine.MergeMethod,
            Output = combined,
            Experts = results.Select(r => new { r.Name, r.ModelDirectory, r.Steps, r.Tokens, r.FinalLoss, r.HeldOutLoss, r.Seconds, r.Skipped }),
        };
        Common.AtomicFile.WriteAllText(Path.Combine(run.OutputDirectory, "btm_summary.json"),
            JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }) + "\n");
    }
}
