using System.CommandLine;
using System.Diagnostics;
using Tsumugi.Composition.Moe;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi model upcycle`: one dense model → Mixtral (Sparse Upcycling, or Drop-Upcycling with --drop-ratio); several
/// --model → Branch-Train-MiX (experts split evenly over the sources, non-FFN weights averaged). See docs/moe.md.
/// </summary>
public static class ModelUpcycleCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model")
        {
            Description = "Dense Llama/Mistral HF model directory; repeat it for BTX (expert e comes from model ⌊e / (N / models)⌋, other weights averaged).",
            Required = true, AllowMultipleArgumentsPerToken = false, HelpName = "DIR",
        };
        var experts = new Option<int>("--experts") { Description = "num_local_experts N (a multiple of the number of --model).", Required = true };
        var topK = new Option<int>("--top-k") { Description = "num_experts_per_tok K.", Required = true };
        var drop = new Option<double>("--drop-ratio") { Description = "Drop-Upcycling ratio r in [0, 1]: share of each expert's FFN channels re-drawn from N(μ, σ²) of the dense values (0 = plain copies; the paper's best is 0.5).", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the router init and the Drop-Upcycling draws.", DefaultValueFactory = _ => 42 };
        var routerStd = new Option<double>("--router-std") { Description = "Std of the zero-mean uniform router init (torch_rand_002).", DefaultValueFactory = _ => 0.02 };
        var aux = new Option<double>("--aux-loss-coef") { Description = "router_aux_loss_coef written to config.json (load-balancing loss weight).", DefaultValueFactory = _ => 0.01 };
        var shard = new Option<long>("--max-shard-size") { Description = "Largest safetensors shard, in bytes (HF's 5 GB by default).", DefaultValueFactory = _ => 5L << 30 };
        var output = CommonOptions.Output("Model directory to create (must not exist or be empty).");
        var command = new Command("upcycle", "Turn a dense Llama/Mistral into a Mixtral MoE (every expert a copy of the MLP, optional Drop-Upcycling), or several dense experts into one (BTX).")
        {
            models, experts, topK, drop, seed, routerStd, aux, shard, output,
        };
        command.SetAction(parse =>
        {
            var sources = parse.GetValue(models)!;
            int n = parse.GetValue(experts);
            if (n < 1) throw new ArgumentException($"--experts must be at least 1, got {n}.");
            if (n % sources.Length != 0)
                throw new ArgumentException($"--experts {n} is not a multiple of the {sources.Length} --model sources; BTX gives every source the same number of experts.");
            long maxShard = parse.GetValue(shard);
            if (maxShard <= 0) throw new ArgumentException($"--max-shard-size must be positive, got {maxShard}.");
            var clock = Stopwatch.StartNew();
            var options = new BtxOptions(sources, parse.GetValue(output)!, n / sources.Length, parse.GetValue(topK), parse.GetValue(drop),
                parse.GetValue(seed), parse.GetValue(routerStd), parse.GetValue(aux), maxShard, Progress());
            var result = sources.Length == 1
                ? Upcycler.Run(new UpcycleOptions(sources[0], options.Output, n, options.TopK, options.DropRatio, options.Seed, options.RouterStd, options.AuxLossCoef, maxShard, options.Progress))
                : BranchTrainMix.Assemble(options);
            string what = sources.Length == 1 ? (options.DropRatio > 0 ? $"Drop-Upcycling r={options.DropRatio}" : "upcycling") : $"BTX from {sources.Length} models";
            CliApp.Info($"Wrote {result.Directory} ({what}: {result.Layers} layers × {result.Experts} experts, top-{options.TopK}, {result.Tensors} tensors, {result.Bytes:N0} bytes) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }

    internal static Action<int, int> Progress()
    {
        int lastPercent = -1;
        return (done, total) =>
        {
            int percent = done * 10 / total * 10;
            if (percent == lastPercent) return;
            lastPercent = percent;
            CliApp.Info($"  {percent}% ({done}/{total} tensors)");
        };
    }
}
