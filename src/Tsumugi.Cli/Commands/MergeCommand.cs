using System.CommandLine;
using System.Diagnostics;
using Tsumugi.Composition;
using Tsumugi.Composition.Config;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi merge`: a mergekit YAML config over local HF model directories → one merged HF model directory.</summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "mergekit merge config (YAML, mergekit's schema as is; see docs/merging.md).", Required = true };
        var output = CommonOptions.Output("Model directory to create (must not exist or be empty).");
        var seed = new Option<ulong>("--random-seed") { Description = "Seed of the random methods (dare_ties, dare_linear); same seed, same result.", DefaultValueFactory = _ => 0 };
        var shard = new Option<long>("--max-shard-size") { Description = "Largest safetensors shard, in bytes (HF's 5 GB by default).", DefaultValueFactory = _ => 5L << 30 };
        var command = new Command("merge", "Merge models with a mergekit config: linear, slerp, task_arithmetic, ties, dare_ties, dare_linear, breadcrumbs(_ties), model_stock, passthrough.")
        {
            config, output, seed, shard,
        };
        command.SetAction(parse =>
        {
            var merge = MergeConfigReader.Load(parse.GetValue(config)!);
            long maxShard = parse.GetValue(shard);
            if (maxShard <= 0) throw new ArgumentException($"--max-shard-size must be positive, got {maxShard}.");
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
}
