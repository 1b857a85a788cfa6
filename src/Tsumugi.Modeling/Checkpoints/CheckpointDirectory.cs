using System.Text.Json;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>The safetensors files of an HF model directory: <c>model.safetensors</c>, or
/// <c>model.safetensors.index.json</c> and its shards. Opens every file (validating it) and maps each tensor name to the
/// file that holds it. HF's loader prefers <c>model.safetensors</c> when both exist, and so do we.</summary>
public sealed class CheckpointDirectory : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    readonly List<SafetensorsFile> _files = [];

    /// <summary>Tensor name → file holding it, in file order.</summary>
    public Dictionary<string, SafetensorsFile> Locations { get; } = new(StringComparer.Ordinal);

    public static CheckpointDirectory Open(string directory)
    {
        var result = new CheckpointDirectory();
        try
        {
            string single = Path.Combine(directory, SingleFile);
            string index = Path.Combine(directory, IndexFile);
            if (File.Exists(single)) result.AddWholeFile(single);
            else if (File.Exists(index)) result.AddIndexed(index, directory);
            else if (!Directory.Exists(directory))
                throw new CheckpointException($"{directory}: directory not found; pass an HF model directory.");
            else
                throw new CheckpointException($"{directory}: neither {SingleFile} nor {IndexFile} found; pass an HF model directory with safetensors weights (convert .bin checkpoints first).");
            return result;
        }
        catch { result.Dispose(); throw; }
    }

    void AddWholeFile(string path)
    {
        var file = SafetensorsFile.Open(path);
        _files.Add(file);
        foreach (var name in file.Entries.Values.OrderBy(e => e.Begin).Select(e => e.Name)) Locations[name] = file;
    }

    void AddIndexed(string indexPath, string directory)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointException($"{indexPath}: no \"weight_map\" object; the index is corrupt — re-save the checkpoint.");
            weightMap = new(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new CheckpointException($"{indexPath}: weight_map entry '{p.Name}' is not a file name; the index is corrupt.");
                if (!weightMap.TryAdd(p.Name, p.Value.GetString()!))
                    throw new CheckpointException($"{indexPath}: tensor '{p.Name}' appears twice in weight_map; the index is corrupt.");
            }
        }
        catch (JsonException e) { throw new CheckpointException($"{indexPath}: not valid JSON ({e.Message}); the index is corrupt.", e); }

        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var shard in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
        {
            string shardPath = Path.Combine(directory, shard);
            if (Path.GetFileName(shard) != shard)
                throw new CheckpointException($"{indexPath}: shard name '{shard}' is not a plain file name; the index is corrupt.");
            if (!File.Exists(shardPath))
                throw new CheckpointException($"{indexPath}: references shard '{shard}', which does not exist in {directory}; copy the missing shard or re-save the checkpoint.");
            var file = SafetensorsFile.Open(shardPath);
            _files.Add(file);
            opened[shard] = file;
        }
        foreach (var (name, shard) in weightMap)
        {
            var file = opened[shard];
            if (!file.Entries.ContainsKey(name))
                throw new CheckpointException($"{indexPath}: maps tensor '{name}' to '{shard}', but that shard has no such tensor; the index and shards are from different saves — re-save the checkpoint.");
            Locations[name] = file;
        }
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
