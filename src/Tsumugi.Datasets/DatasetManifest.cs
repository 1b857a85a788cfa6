using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;

namespace Tsumugi.Datasets;

/// <summary>
/// <c>manifest.json</c>: one per output directory, one entry per dataset written there. Megatron ignores it;
/// Tsumugi uses it to check the tokenizer and label domains.
/// </summary>
public sealed class DatasetManifest
{
    public const string FileName = "manifest.json";

    // Writers in one process may finish at the same time (parallel tokenization); the read-modify-write
    // of the shared manifest is serialised here and made atomic on disk by AtomicFile.
    private static readonly Lock UpdateLock = new();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("format")] public string Format { get; init; } = "megatron-mmididx-v1";
    [JsonPropertyName("datasets")] public List<DatasetManifestEntry> Datasets { get; init; } = [];

    /// <summary>The entry for a dataset name, or null.</summary>
    public DatasetManifestEntry? Find(string name) => Datasets.FirstOrDefault(d => d.Name == name);

    /// <summary>The manifest entry of the dataset at <paramref name="prefix"/> (its directory's manifest.json), or null.</summary>
    public static DatasetManifestEntry? EntryFor(string prefix) => Load(Path.GetDirectoryName(Path.GetFullPath(prefix))!).Find(Path.GetFileName(prefix));

    /// <summary>Reads <c>manifest.json</c> in a directory; an absent file gives an empty manifest.</summary>
    public static DatasetManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return new DatasetManifest();
        try
        {
            return JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), Json) ?? new DatasetManifest();
        }
        catch (JsonException e)
        {
            throw new IndexedDatasetException(path, "manifest", $"not valid JSON ({e.Message}); delete it or rewrite the dataset");
        }
    }

    /// <summary>Adds or replaces the entry with the same name and rewrites the file atomically.</summary>
    public static void Upsert(string directory, DatasetManifestEntry entry)
    {
        lock (UpdateLock)
        {
            using var fileLock = AcquireFileLock(Path.Combine(directory, FileName + ".lock"));
            var manifest = Load(directory);
            manifest.Datasets.RemoveAll(d => d.Name == entry.Name);
            manifest.Datasets.Add(entry);
            manifest.Datasets.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(manifest, Json));
        }
    }

    // Tokenizer processes (e.g. a Slurm array writing shards into one directory) also share the manifest: an exclusive
    // open of a lock file (flock on Unix) serialises them. Waits up to a minute, then reports who to look for.
    private static FileStream AcquireFileLock(string lockPath)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        for (var delay = 5; ; delay = Math.Min(delay * 2, 200))
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(delay);
            }
            catch (IOException e)
            {
                throw new IndexedDatasetException(lockPath, "manifest", $"still locked by another writer after a minute ({e.Message})");
            }
        }
    }
}
