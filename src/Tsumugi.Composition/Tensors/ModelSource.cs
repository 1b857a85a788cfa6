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
/// </summary>
public sealed class ModelSource : IDisposable
{
    const int ChunkBytes = 4 << 20;

    readonly CheckpointDirectory _checkpoint;

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
        return new ModelSource(reference, directory, config, CheckpointDirectory.Open(directory));
    }

    /// <summary>Tensor names in file order.</summary>
    public IEnumerable<string> TensorNames => _checkpoint.Locations.Keys;

    public SafetensorsEntry? Entry(string tensor) =>
        _checkpoint.Locations.TryGetValue(tensor, out var file) ? file.Entries[tensor] : null;

    /// <summary>A config.json field as a string (null when absent), for architecture checks.</summary>
    public string? ConfigText(string field) => Config[field]?.ToJsonString();

    public int? LayerCount => Config["num_hidden_layers"]?.GetValue<int>();

    /// <summary>Reads <paramref name="tensor"/> converted to float32 into <paramref name="destination"/> (its element
    /// count). F32 goes straight from the file into the span; F16/BF16 pass through a small pooled chunk.</summary>
    public void ReadFloats(string tensor, Span<float> destination)
    {
        var entry = Entry(tensor) ?? throw new CheckpointException($"model '{Reference}': no tensor '{tensor}'.");
        var file = _checkpoint.Locations[tensor];
        int size = FloatCodec.SizeOf(entry.DType);
        if (entry.DType == "F32")
        {
            file.ReadBytes(tensor, MemoryMarshal.AsBytes(destination));
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
                file.ReadBytes(tensor, bytes, (long)start * size);
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
