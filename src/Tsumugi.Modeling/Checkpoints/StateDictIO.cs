using System.Text.Json;
using System.Text.RegularExpressions;
using Tsumugi.Common;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>
/// Hugging Face state-dict IO for any module whose <c>state_dict()</c> keys are already HF names (our modules name
/// their fields in HF snake_case, so no mapping table is needed).
/// </summary>
public static partial class StateDictIO
{
    const string ShardPrefix = "model-";

    /// <summary>
    /// Loads <c>model.safetensors</c> or <c>model.safetensors.index.json</c> (+ shards) from <paramref name="directory"/>
    /// into <paramref name="module"/>. Everything is checked before any parameter changes: with <paramref name="strict"/>,
    /// one error lists every missing and every unexpected key (<c>*.rotary_emb.inv_freq</c> is ignored, as HF does);
    /// a shape mismatch names the tensor and both shapes. Values are converted to each parameter's dtype and copied
    /// under no_grad onto the parameter's device. A Mixtral saved in the transformers-v5 fused layout
    /// (<c>mlp.gate</c>, <c>mlp.experts.gate_up_proj</c>, <c>mlp.experts.down_proj</c>; <see cref="FusedMoeLayout"/>)
    /// loads into the classic per-expert parameters, one fused tensor in memory at a time.
    /// </summary>
    public static StateDictLoadResult Load(nn.Module module, string directory, bool strict = true)
    {
        using var checkpoint = CheckpointDirectory.Open(directory);
        var target = module.state_dict();
        // transformers-v5 fused Mixtral tensors (mergekit HEAD writes them) stand for the classic per-expert names.
        var fused = FusedMoeLayout.ClassicView(checkpoint.Locations.Select(kv => kv.Value.Entries[kv.Key]));
        foreach (var name in fused.Keys.Where(checkpoint.Locations.ContainsKey))
            throw new CheckpointException($"{directory}: tensor '{name}' is stored both under its own name and inside '{fused[name].FusedName}'; keep one layout.");
        var fusedNames = fused.Values.Select(p => p.FusedName).ToHashSet(StringComparer.Ordinal);
        var available = checkpoint.Locations.Keys.Where(k => !fusedNames.Contains(k)).Concat(fused.Keys).ToHashSet(StringComparer.Ordinal);
        var missing = target.Keys.Where(k => !IsIgnored(k) && !available.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = available.Where(k => !IsIgnored(k) && !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new CheckpointException(
                $"{directory}: {FirstDifference(module, target.Keys, missing, unexpected)}; checkpoint does not match the model — missing {missing.Count} key(s): [{string.Join(", ", missing)}]; " +
                $"unexpected {unexpected.Count} key(s): [{string.Join(", ", unexpected)}]. Check that config.json describes these weights, or load with strict=false.");

        var toLoad = target.Where(kv => available.Contains(kv.Key) && !IsIgnored(kv.Key)).ToList();
        foreach (var (name, parameter) in toLoad)
        {
            bool isPart = fused.TryGetValue(name, out var part);
            var file = checkpoint.Locations[isPart ? part!.FusedName : name];
            long[] fileShape = isPart ? part!.Shape : file.Entries[name].Shape;
            if (!fileShape.SequenceEqual(parameter.shape))
                throw new CheckpointException(
                    $"{file.Path}: tensor '{name}'{(isPart ? $" (inside '{part!.FusedName}')" : "")} has shape [{string.Join(", ", fileShape)}] in the file but [{string.Join(", ", parameter.shape)}] in the model; " +
                    "config.json probably contradicts the weights (hidden_size, intermediate_size, num_key_value_heads, vocab_size?).");
        }

        using (no_grad())
        {
            foreach (var (name, parameter) in toLoad.Where(kv => !fused.ContainsKey(kv.Key))) checkpoint.Locations[name].ReadInto(name, parameter);
            // One fused tensor in memory at a time: read it, then copy each expert's contiguous slice into its parameter.
            foreach (var group in toLoad.Where(kv => fused.ContainsKey(kv.Key)).GroupBy(kv => fused[kv.Key].FusedName))
            {
                using var scope = NewDisposeScope();
                var whole = checkpoint.Locations[group.Key].Read(group.Key).reshape(-1);
                foreach (var (name, parameter) in group)
                {
                    var part = fused[name];
                    parameter.copy_(whole.narrow(0, part.ElementOffset, part.ElementCount).view(part.Shape));
                }
            }
        }
        return new StateDictLoadResult(missing, unexpected);
    }

    /// <summary>
    /// Saves the module's state_dict as <c>model.safetensors</c>, or as <c>model-0000k-of-0000n.safetensors</c> +
    /// <c>model.safetensors.index.json</c> when the total exceeds <paramref name="maxShardBytes"/> (HF's default 5 GB).
    /// Floating-point tensors are cast to <paramref name="dtype"/> when given. Every file is written atomically;
    /// shards and index left by an earlier save into the same directory are removed afterwards.
    /// </summary>
    public static void Save(nn.Module module, string directory, long maxShardBytes = 5L << 30, ScalarType? dtype = null)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "maxShardBytes must be positive.");
        Directory.CreateDirectory(directory);
        var tensors = module.state_dict()
            .Select(kv => new SafetensorsWriter.PendingTensor(kv.Key, kv.Value,
                dtype is ScalarType d && is_floating_point(kv.Value) ? d : kv.Value.dtype))
            .ToList();
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        string single = Path.Combine(directory, CheckpointDirectory.SingleFile);
        string index = Path.Combine(directory, CheckpointDirectory.IndexFile);
        long total = tensors.Sum(t => t.ByteLength);

        var shards = Split(tensors, maxShardBytes);
        if (shards.Count <= 1)
        {
            SafetensorsWriter.Write(single, tensors, metadata);
            DeleteStale(directory, keep: []);
            return;
        }

        var names = Enumerable.Range(1, shards.Count).Select(k => $"{ShardPrefix}{k:D5}-of-{shards.Count:D5}.safetensors").ToList();
        for (int k = 0; k < shards.Count; k++) SafetensorsWriter.Write(Path.Combine(directory, names[k]), shards[k], metadata);
        // model.safetensors wins over the index when both exist, so an old one must go before the index appears.
        File.Delete(single);
        WriteIndex(index, total, shards, names);
        DeleteStale(directory, keep: [.. names]);
    }

    /// <summary>Reads every tensor of the checkpoint in <paramref name="directory"/> (CPU tensors owned by the caller),
    /// converted to <paramref name="dtype"/> when given; for tools that work without a module (inspection, export, merging).</summary>
    public static IReadOnlyDictionary<string, Tensor> ReadAll(string directory, ScalarType? dtype = null)
    {
        using var checkpoint = CheckpointDirectory.Open(directory);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, file) in checkpoint.Locations) result[name] = file.Read(name, dtype);
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>The first differing tensor in the model's order (then the first unexpected one), with the module's explanation.</summary>
    static string FirstDifference(nn.Module module, IEnumerable<string> order, List<string> missing, List<string> unexpected)
    {
        var missingSet = missing.ToHashSet(StringComparer.Ordinal);
        var first = order.FirstOrDefault(missingSet.Contains);
        bool isMissing = first is not null;
        first ??= unexpected[0];
        var why = (module as ICheckpointExplainer)?.ExplainMismatch(first, isMissing);
        return $"{first}: {(isMissing ? "missing" : "unexpected")}{(why is null ? "" : $" ({why})")}";
    }

    static bool IsIgnored(string key) => key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || key == "rotary_emb.inv_freq";

    // HF's greedy split: tensors in state_dict order, a new shard whenever the next tensor would overflow this one
    // (a single tensor larger than the limit gets a shard of its own).
    static List<List<SafetensorsWriter.PendingTensor>> Split(List<SafetensorsWriter.PendingTensor> tensors, long maxShardBytes)
    {
        var shards = new List<List<SafetensorsWriter.PendingTensor>> { new() };
        long size = 0;
        foreach (var t in tensors)
        {
            if (size + t.ByteLength > maxShardBytes && shards[^1].Count > 0)
            {
                shards.Add([]);
                size = 0;
            }
            shards[^1].Add(t);
            size += t.ByteLength;
        }
        return shards;
    }

    static void WriteIndex(string path, long total, List<List<SafetensorsWriter.PendingTensor>> shards, List<string> names)
    {
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int k = 0; k < shards.Count; k++)
            foreach (var t in shards[k]) weightMap[t.Name] = names[k];
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, long> { ["total_size"] = total },
            ["weight_map"] = weightMap,
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        AtomicFile.WriteAllBytes(path, json);
    }

    static void DeleteStale(string directory, HashSet<string> keep)
    {
        if (keep.Count == 0) File.Delete(Path.Combine(directory, CheckpointDirectory.IndexFile));
        foreach (var file in Directory.EnumerateFiles(directory, ShardPrefix + "*.safetensors"))
        {
            string name = Path.GetFileName(file);
            if (ShardName().IsMatch(name) && !keep.Contains(name)) File.Delete(file);
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardName();
}
