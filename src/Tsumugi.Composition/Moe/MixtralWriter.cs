using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// Writes an assembled Mixtral as an HF directory the way <see cref="Merger"/> writes a merge: the tensors streamed one
/// at a time through two reused float32 buffers (result and scratch) into sharded safetensors, config.json, the donor's
/// tokenizer and generation_config, all built in <c>OUTPUT.partial</c> and renamed into place, so the directory appears
/// whole or not at all.
/// </summary>
internal static class MixtralWriter
{
    public static MoeResult Write(string output, JsonObject config, IReadOnlyList<MoeTensor> tensors, ModelSource donor,
        int layers, int experts, long maxShardBytes, Action<int, int>? progress, (string Name, string Text)? recipe = null)
    {
        output = Path.GetFullPath(output);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new IOException($"{output}: output directory exists and is not empty; choose a new directory or delete it.");
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "the shard size must be positive.");
        long peak = StagedDirectory.Publish(output, staging =>
        {
            long peak = WriteTensors(staging, tensors, maxShardBytes, progress);
            AtomicFile.WriteAllText(Path.Combine(staging, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            foreach (var (name, path) in donor.TokenizerFiles()) AtomicFile.WriteAllBytes(Path.Combine(staging, name), File.ReadAllBytes(path));
            string generation = Path.Combine(donor.Directory, "generation_config.json");
            if (File.Exists(generation)) AtomicFile.WriteAllBytes(Path.Combine(staging, "generation_config.json"), File.ReadAllBytes(generation));
            if (recipe is { } r) AtomicFile.WriteAllText(Path.Combine(staging, r.Name), r.Text);
            return peak;
        });
        long bytes = Directory.EnumerateFiles(output, "*.safetensors").Sum(f => new FileInfo(f).Length);
        return new MoeResult(output, layers, experts, tensors.Count, bytes, peak);
    }

    static long WriteTensors(string directory, IReadOnlyList<MoeTensor> tensors, long maxShardBytes, Action<int, int>? progress)
    {
        long maxElements = tensors.Max(t => t.Elements);
        if (maxElements > Array.MaxLength)
            throw new CheckpointException($"tensor '{tensors.First(t => t.Elements == maxElements).Name}' has {maxElements} elements, more than one float array holds; not supported.");
        var result = new float[maxElements];
        var scratch = new float[maxElements];
        var encoded = new byte[Math.Min(maxElements * 2, 8 << 20)];
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        int done = 0;
        ShardedSafetensorsWriter.Write(directory, tensors.Select(t => new SafetensorsTensorInfo(t.Name, t.DType, t.Shape)).ToList(), maxShardBytes, (info, stream) =>
        {
            var t = byName[info.Name];
            int n = (int)t.Elements;
            var values = result.AsSpan(0, n);
            t.Fill(values, scratch.AsSpan(0, n));
            FloatCodec.Write(values, t.DType, stream, encoded);
            progress?.Invoke(++done, tensors.Count);
        });
        return 2 * maxElements * 4L;
    }
}
