using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;

namespace Tsumugi.Datasets;

/// <summary>
/// <c>manifest.json</c>: one per output directory, one entry per dataset written there. Megatron ignores it;
/// Tsumugi uses it to check the tokenizer, label domains and — through the completion markers — to refuse training on
/// a folder a <c>data tokenize</c> run did not finish (<see cref="DatasetCompleteness"/>).
/// </summary>
public sealed class DatasetManifest
{
    public const string FileName = "manifest.json";

    // Writers in one process may finish at the same time (parallel tokenization); the read-modify-write
    // of the shared manifest is serialised here and made atomic on disk by AtomicFile.
    private static readonly Lock UpdateLock = new();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("format")] public string Format { get; init; } = "megatron-mmididx-v1";

    /// <summary>
    /// The folder's completion marker: true when no <c>data tokenize</c> run is writing here or was stopped midway (it is
    /// recomputed on every update, so a run's last write sets it); false while one is; null in a manifest written before
    /// the marker existed.
    /// </summary>
    [JsonPropertyName("complete")] public bool? Complete { get; set; }

    /// <summary><c>data tokenize</c> runs that started writing here and have not finished (killed ones stay until a rerun).</summary>
    [JsonPropertyName("runs_in_progress")] public List<TokenizeRunRecord>? RunsInProgress { get; set; }

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
    public static void Upsert(string directory, DatasetManifestEntry entry) => Update(directory, manifest => manifest.Put(entry));

    /// <summary>Adds or replaces the entry with the same name (in memory).</summary>
    internal void Put(DatasetManifestEntry entry)
    {
        Datasets.RemoveAll(d => d.Name == entry.Name);
        Datasets.Add(entry);
        Datasets.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    /// <summary>
    /// Reads, changes and rewrites the manifest atomically under the folder's lock (threads and processes), and sets
    /// <see cref="Complete"/> from the runs still in progress, so the marker is always the last word of an update.
    /// </summary>
    internal static void Update(string directory, Action<DatasetManifest> change)
    {
        lock (UpdateLock)
        {
            using var fileLock = AcquireFileLock(Path.Combine(directory, FileName + ".lock"));
            var manifest = Load(directory);
            change(manifest);
            if (manifest.RunsInProgress is { Count: 0 }) manifest.RunsInProgress = null;
            manifest.Complete = manifest.RunsInProgress is null;
            AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(manifest, Json));
        }
    }

    /// <summary>Runs <paramref name="action"/> holding the folder's manifest lock (no other update can interleave).</summary>
    internal static T WithLock<T>(string directory, Func<T> action)
    {
        lock (UpdateLock)
        {
            using var fileLock = AcquireFileLock(Path.Combine(directory, FileName + ".lock"));
            return action();
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
