using System.Text;
using System.Text.Json.Nodes;
using Tsumugi.Common;

namespace Tsumugi.Synthesis.Store;

/// <summary>
/// The finished items of a run. Each item's outcome — an accepted record, or a rejected one with its reason — is first
/// appended to a journal (state/open.jsonl, flushed per line, torn tail cut on reopening); every
/// <c>shard_records</c> accepted records the journal is sealed into records/part-NNNNN.jsonl (and its rejects into
/// rejected/part-NNNNN.jsonl), each written atomically, then the journal starts afresh. A kill between sealing and
/// emptying the journal is harmless: on reopening, journal entries whose key is already in a sealed shard are dropped,
/// so every item is in the output exactly once.
/// </summary>
public sealed class RecordStore : IDisposable
{
    readonly string _journalPath;
    readonly int _shardRecords;
    readonly List<JsonObject> _open = [];
    readonly HashSet<string> _done = new(StringComparer.Ordinal);
    readonly List<JsonObject> _acceptedOnOpen = [];
    ResumableJsonl _journal;
    int _openAccepted;

    public string RecordsDirectory { get; }
    public string RejectedDirectory { get; }
    public int Accepted { get; private set; }
    public int Rejected { get; private set; }

    /// <summary>Keys of every item with an outcome on file (sealed or journaled): what a resumed run skips.</summary>
    public IReadOnlySet<string> DoneKeys => _done;

    /// <summary>
    /// The accepted records on file when the store was opened (sealed and journaled, in order): what a resumed run rebuilds
    /// its near-duplicate index from. Records committed since are not kept in memory.
    /// </summary>
    public IReadOnlyList<JsonObject> AcceptedRecords => _acceptedOnOpen;

    public RecordStore(string outputDirectory, int shardRecords)
    {
        RecordsDirectory = Path.Combine(outputDirectory, "records");
        RejectedDirectory = Path.Combine(outputDirectory, "rejected");
        _journalPath = Path.Combine(outputDirectory, "state", "open.jsonl");
        _shardRecords = shardRecords;
        Directory.CreateDirectory(RecordsDirectory);
        Directory.CreateDirectory(RejectedDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(_journalPath)!);
        foreach (var record in ReadShards(RecordsDirectory)) { _acceptedOnOpen.Add(record); Accepted++; _done.Add(KeyOf(record)); }
        foreach (var reject in ReadShards(RejectedDirectory)) { Rejected++; _done.Add(KeyOf((JsonObject)reject["record"]!)); }
        _journal = new ResumableJsonl(_journalPath);
        foreach (var entry in _journal.Existing)
            if (!_done.Contains((string)entry["key"]!) && Remember(entry) is { } record) _acceptedOnOpen.Add(record);
    }

    /// <summary>The key recipes put in every record's <c>meta.key</c>.</summary>
    public static string KeyOf(JsonObject record) => (string)record["meta"]!["key"]!;

    /// <summary>Records an item's outcome (<paramref name="rejection"/> null: accepted). Not thread-safe: the runner commits in item order from one place.</summary>
    public void Commit(JsonObject record, string? rejection)
    {
        var entry = new JsonObject { ["key"] = KeyOf(record), ["record"] = record };
        if (rejection is not null) entry["rejected"] = rejection;
        _journal.Append(entry);
        Remember(entry);
        if (_openAccepted >= _shardRecords) Seal();
    }

    /// <summary>Seals what the journal holds into shards (at the end of a run, or on cancellation).</summary>
    public void Seal()
    {
        if (_open.Count == 0) return;
        WriteShard(RecordsDirectory, _open.Where(e => e["rejected"] is null).Select(e => e["record"]!));
        WriteShard(RejectedDirectory, _open.Where(e => e["rejected"] is not null)
            .Select(e => (JsonNode)new JsonObject { ["reason"] = (string)e["rejected"]!, ["record"] = e["record"]!.DeepClone() }));
        _journal.Dispose();
        File.Delete(_journalPath);
        _journal = new ResumableJsonl(_journalPath);
        _open.Clear();
        _openAccepted = 0;
    }

    /// <summary>Counts a journaled outcome; returns its record when accepted.</summary>
    JsonObject? Remember(JsonObject entry)
    {
        _open.Add(entry);
        _done.Add((string)entry["key"]!);
        if (entry["rejected"] is not null) { Rejected++; return null; }
        _openAccepted++;
        Accepted++;
        return (JsonObject)entry["record"]!;
    }

    static void WriteShard(string directory, IEnumerable<JsonNode> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines) text.Append(line.ToJsonString(ResumableJsonl.Options)).Append('\n');
        if (text.Length == 0) return;
        AtomicFile.WriteAllText(Path.Combine(directory, $"part-{Shards(directory).Count:D5}.jsonl"), text.ToString());
    }

    static List<string> Shards(string directory) =>
        Directory.EnumerateFiles(directory, "part-*.jsonl").Order(StringComparer.Ordinal).ToList();

    /// <summary>The lines of every sealed shard of a folder, in order.</summary>
    public static IEnumerable<JsonObject> ReadShards(string directory)
    {
        if (!Directory.Exists(directory)) yield break;
        foreach (var shard in Shards(directory))
            foreach (var line in File.ReadLines(shard))
                if (line.Length > 0) yield return JsonNode.Parse(line)!.AsObject();
    }

    public void Dispose() => _journal.Dispose();
}
