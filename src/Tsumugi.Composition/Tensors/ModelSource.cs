using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Tensors;

/// <summary>
/// One input model of a composition: its config.json (kept as JSON so unknown fields survive into the output) and its
/// safetensors, read one tensor at a time into float32 spans. Nothing is loaded up front but headers, so any number
/// of models can be open while only the tensors in flight occupy memory. Reusable by MoE assembly.
/// A Mixtral saved in the transformers-v5 fused layout (<see cref="FusedMoeLayout"/>) is seen under the classic
/// per-expert names: each expert's w1/w3/w2 is a contiguous slice of its fused tensor, read by offset.
/// </summary>
public sealed class ModelSource : IDisposable
{
    const int ChunkBytes = 4 << 20;

    readonly CheckpointDirectory _checkpoint;
    readonly Dictionary<string, FusedMoePart> _fused;
    readonly List<string> _names;

    /// <summary>The model reference as the config wrote it (used in every message).</summary>
    public string Reference { get; }
    public string Directory { get; }
    public JsonObject Config { get; }

    ModelSource(string reference, string directory, JsonObject config, CheckpointDirectory checkpoint)
    {
        Reference = reference;
        Directory = directory;
        Config = config;
        _checkpoint = checkpoint;
        _fused = FusedMoeLayout.ClassicView(checkpoint.Locations.Select(kv => kv.Value.Entries[kv.Key]));
        var fusedNames = _fused.Values.Select(p => p.FusedName).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _fused.Keys.Where(checkpoint.Locations.ContainsKey))
            throw new CheckpointException($"model '{reference}': tensor '{name}' is stored both under its own name and inside '{_fused[name].FusedName}'; keep one layout.");
        _names = checkpoint.Locations.Keys.SelectMany(k => fusedNames.Contains(k) ? _fused.Values.Where(p => p.FusedName == k).Select(p => p.ClassicName) : [k]).ToList();
    }

    public static ModelSource Open(string reference, string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException($"model '{reference}': directory {directory} not found; models are local HF directories (download them first).");
        string configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
            throw new CheckpointException($"model '{reference}': {configPath} not found; pass an HF model directory.");
        JsonObject config;
        try { config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new CheckpointException($"{configPath}: not a JSON object."); }
        catch (JsonException e) { throw new CheckpointException($"{configPath}: not valid JSON ({e.Message}).", e); }
        var checkpoint = CheckpointDirectory.Open(directory);
        try { return new ModelSource(reference, directory, config, checkpoint); }
        catch { checkpoint.Dispose(); throw; }
    }

    /// <summary>Tensor names in file order (fused MoE tensors replaced by the classic names they hold).</summary>
    public IEnumerable<string> TensorNames => _names;

    /// <summary>The tensor's dtype and shape; for a slice of a fused tensor, an entry whose offsets are the slice's.</summary>
    public SafetensorsEntry? Entry(string tensor)
    {
        if (_fused.TryGetValue(tensor, out var part))
        {
            var whole = _checkpoint.Locations[part.FusedName].Entries[part.FusedName];
            long begin = whole.Begin + part.ElementOffset * FloatCodec.SizeOf(whole.DType);
            return new SafetensorsEntry(tensor, whole.DType, part.Shape, begin, begin + part.ElementCount * FloatCodec.SizeOf(whole.DType));
        }
        return _checkpoint.Locations.TryGetValue(tensor, out var file) ? file.Entries[tensor] : null;
    }

    /// <summary>A config.json field as a string (null when absent), for architecture checks.</summary>
    public string? ConfigText(string field) => Config[field]?.ToJsonString();

    public int? LayerCount => Config["num_hidden_layers"]?.GetValue<int>();

    /// <summary>Reads <paramref name="tensor"/> converted to float32 into <paramref name="destination"/> (its element
    /// count). F32 goes straight from the file into the span; F16/BF16 pass through a small pooled chunk.</summary>
    public void ReadFloats(string tensor, Span<float> destination)
    {
        var entry = Entry(tensor) ?? throw new CheckpointException($"model '{Reference}': no tensor '{tensor}'.");
        int size = FloatCodec.SizeOf(entry.DType);
        // A fused slice is read from its fused tensor at the slice's byte offset.
        string stored = _fused.TryGetValue(tensor, out var part) ? part.FusedName : tensor;
        long offset = part is null ? 0 : part.ElementOffset * size;
        var file = _checkpoint.Locations[stored];
        if (entry.DType == "F32")
        {
            file.ReadBytes(stored, MemoryMarshal.AsBytes(destination), offset);
            return;
        }
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int perChunk = ChunkBytes / size;
            for (int start = 0; start < destination.Length; start += perChunk)
            {
                int count = Math.Min(perChunk, destination.Length - start);
                var bytes = chunk.AsSpan(0, count * size);
                file.ReadBytes(stored, bytes, offset + (long)start * size);
                FloatCodec.Decode(bytes, entry.DType, destination.Slice(start, count));
            }
        }
        finally { ArrayPool<byte>.Shared.Return(chunk); }
    }

    /// <summary>The tokenizer files this model carries (name → path).</summary>
    public Dictionary<string, string> TokenizerFiles() =>
        Modeling.HfModelDirectory.TokenizerFiles
            .Select(name => (name, path: Path.Combine(Directory, name)))
            .Where(f => File.Exists(f.path))
            .ToDictionary(f => f.name, f => f.path);

    public void Dispose() => _checkpoint.Dispose();
}
