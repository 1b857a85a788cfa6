using System.Globalization;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Training.Checkpointing;

/// <summary>
/// Where a checkpoint keeps the AdamW state: <c>optimizer.safetensors</c> (one process, or plain data parallelism),
/// or one <c>optimizer-rank-R-of-N.safetensors</c> per rank of a ZeRO-1 run. Either loads into any sharding.
/// </summary>
public static class OptimizerStateFiles
{
    public const string Single = "optimizer.safetensors";

    public static string Shard(int rank, int world) => $"optimizer-rank-{rank:D5}-of-{world:D5}.safetensors";

    /// <summary>The checkpoint's state files: the single file, or every rank's shard (all N of them, or it is incomplete).</summary>
    public static IReadOnlyList<string> In(string checkpoint)
    {
        var single = Path.Combine(checkpoint, Single);
        if (File.Exists(single)) return [single];
        var shards = Directory.EnumerateFiles(checkpoint, "optimizer-rank-*.safetensors").Order(StringComparer.Ordinal).ToList();
        var expected = shards.Select(WorldOf).Distinct().ToList();
        if (shards.Count == 0 || expected.Count != 1 || expected[0] != shards.Count)
            throw new CheckpointException($"{checkpoint}: optimizer state is missing or incomplete ({shards.Count} of {(expected.Count == 1 ? expected[0] : "?")} rank shards); resume from an earlier checkpoint");
        return shards;
    }

    private static int WorldOf(string path) =>
        int.TryParse(Path.GetFileNameWithoutExtension(path).Split("-of-").LastOrDefault(), CultureInfo.InvariantCulture, out var n) ? n : -1;
}
