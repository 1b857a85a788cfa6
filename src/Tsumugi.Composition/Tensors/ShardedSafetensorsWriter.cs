using System.Text.Encodings.Web;
using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Tensors;

/// <summary>
/// Writes an HF directory's weights from tensors produced one at a time: <c>model.safetensors</c>, or
/// <c>model-0000k-of-0000n.safetensors</c> + <c>model.safetensors.index.json</c> above <c>maxShardBytes</c> (HF's greedy
/// split, as <see cref="StateDictIO.Save"/> does). Every file is published atomically; write-back to disk starts after
/// each tensor (<see cref="EarlyWriteback"/>). Reusable by MoE assembly.
/// </summary>
public static class ShardedSafetensorsWriter
{
    /// <param name="produce">Writes one tensor's bytes; called once per tensor, in each shard's file order.</param>
    public static void Write(string directory, IReadOnlyList<SafetensorsTensorInfo> tensors, long maxShardBytes, Action<SafetensorsTensorInfo, Stream> produce)
    {
        var ordered = SafetensorsStreamWriter.FileOrder(tensors);
        var shards = new List<List<SafetensorsTensorInfo>> { new() };
        long size = 0;
        foreach (var t in ordered)
        {
            if (size + t.ByteLength > maxShardBytes && shards[^1].Count > 0) { shards.Add([]); size = 0; }
            shards[^1].Add(t);
            size += t.ByteLength;
        }
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        var inner = produce;
        // Each tensor's pages go to disk while the next ones are computed, not all at the publishing fsync.
        produce = (info, stream) => { inner(info, stream); EarlyWriteback.Start(stream); };
        if (shards.Count == 1)
        {
            SafetensorsStreamWriter.Write(Path.Combine(directory, CheckpointDirectory.SingleFile), shards[0], produce, metadata);
            return;
        }
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int k = 0; k < shards.Count; k++)
        {
            string name = $"model-{k + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafetensorsStreamWriter.Write(Path.Combine(directory, name), shards[k], produce, metadata);
            foreach (var t in shards[k]) weightMap[t.Name] = name;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, long> { ["total_size"] = ordered.Sum(t => t.ByteLength) },
            ["weight_map"] = weightMap,
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        AtomicFile.WriteAllBytes(Path.Combine(directory, CheckpointDirectory.IndexFile), json);
    }
}
