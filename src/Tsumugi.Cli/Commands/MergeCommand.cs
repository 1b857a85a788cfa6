using System.CommandLine;
using System.Diagnostics;
using Tsumugi.Composition;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Moe;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi merge`: a mergekit YAML config over local HF model directories → one merged HF model directory; a
/// mergekit-moe config (an <c>experts:</c> list with <c>source_model</c>) → a Mixtral (docs/moe.md).</summary>
public static class MergeCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "merge";
    internal const string Description =
        "Merge models with a mergekit config: linear, slerp, task_arithmetic, ties, dare_ties, dare_linear, breadcrumbs(_ties), model_stock, passthrough; or build a Mixtral from a mergekit-moe config.";

    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "mergekit merge config or mergekit-moe config (YAML, mergekit's schemas as is; see docs/merging.md, docs/moe.md).", Required = true };
        var output = CommonOptions.Output("Model directory to create (must not exist or be empty).");
        var seed = new Option<ulong>("--random-seed") { Description = "Seed of the random methods (dare_ties, dare_linear; mergekit-moe noise_scale and random gates); same seed, same result.", DefaultValueFactory = _ => 0 };
        var shard = new Option<long>("--max-shard-size") { Description = "Largest safetensors shard, in bytes (HF's 5 GB by default).", DefaultValueFactory = _ => 5L << 30 };
        var command = new Command(Name, Description)
        {
            config, output, seed, shard,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(config)!;
            long maxShard = parse.GetValue(shard);
            if (maxShard <= 0) throw new ArgumentException($"--max-shard-size must be positive, got {maxShard}.");
            if (File.Exists(path) && MoeConfigReader.IsMoeConfig(File.ReadAllText(path))) return MergeMoe(path, parse.GetValue(output)!, parse.GetValue(seed), maxShard);
            var merge = MergeConfigReader.Load(path);
            var clock = Stopwatch.StartNew();
            int lastPercent = -1;
            var result = Merger.Run(merge, new Merger.Options(parse.GetValue(output)!, parse.GetValue(seed), maxShard, (done, total) =>
            {
                int percent = done * 10 / total * 10;
                if (percent == lastPercent) return;
                lastPercent = percent;
                CliApp.Info($"  {percent}% ({done}/{total} tensors)");
            }));
            CliApp.Info($"Wrote {result.Directory} ({merge.Method}, {result.Tensors} tensors, {result.Layers} layers, {result.Bytes:N0} bytes) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }

    static int MergeMoe(string path, string output, ulong seed, long maxShard)
    {
        var moe = MoeConfigReader.Load(path);
        var clock = Stopwatch.StartNew();
        // The prompt-based gates encode with the base model's tokenizer; random gates need none.
        Func<string, IReadOnlyList<int>>? encode = null;
        if (moe.GateMode is not ("random" or "uniform_random"))
        {
            var tokenizer = TokenizerDirectory.LoadForModel(Path.GetFullPath(moe.BaseModel));
            encode = text => tokenizer.Encode(text);
        }
        var result = MoeMerger.Run(moe, new MoeMergeOptions(output, seed, encode, maxShard, ModelUpcycleCommand.Progress()));
        CliApp.Info($"Wrote {result.Directory} (mergekit-moe, gate_mode {moe.GateMode}: {result.Layers} layers × {result.Experts} experts, top-{moe.ExpertsPerToken}, {result.Bytes:N0} bytes) in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
