using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Dashboard;

/// <summary>
/// Every eval result under --runs: any *.json whose root object has "kind", "model", "created" and "metrics" (the
/// envelope of `tsumugi eval … --output`). Only the file's first <see cref="HeaderBytes"/> are read — the envelope
/// comes first and "details" (per-sample generations, megabytes) after it — and each file is read again only when
/// its size or time changes. Results whose files share the parent of their parent folder form one group
/// (eval/trained/tasks.json and eval/untrained/tasks.json; RUN/eval/step-N/tasks.json): shown side by side.
/// </summary>
public sealed class EvalIndex(RunsRoot root)
{
    const int HeaderBytes = 256 * 1024;
    const int MaxDepth = RunDiscovery.MaxDepth + 2;

    readonly ConcurrentDictionary<string, (long Length, DateTime Time, JsonObject? Result)> _cache = new(StringComparer.Ordinal);

    /// <summary>[{"group", "results": [{"file", "kind", "model", "created", "metrics"}]}], groups and files in path order.</summary>
    public JsonArray Groups()
    {
        var files = new List<string>();
        Collect(root.Real, 0, files, new HashSet<string>(StringComparer.Ordinal));
        var groups = new SortedDictionary<string, JsonArray>(StringComparer.Ordinal);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            if (Result(file) is not { } result) continue;
            var id = root.IdOf(file);
            var parentOfParent = Path.GetDirectoryName(Path.GetDirectoryName(id)) is { Length: > 0 } g ? g : ".";
            var entry = (JsonObject)result.DeepClone();
            entry.Insert(0, "file", id);
            if (!groups.TryGetValue(parentOfParent, out var list)) groups[parentOfParent] = list = [];
            list.Add(entry);
        }
        return [.. groups.Select(g => (JsonNode)new JsonObject { ["group"] = g.Key, ["results"] = g.Value })];
    }

    void Collect(string real, int depth, List<string> files, HashSet<string> seen)
    {
        if (!seen.Add(real)) return;
        try
        {
            foreach (var file in Directory.EnumerateFiles(real, "*.json"))
                if (root.File(real, Path.GetFileName(file)) is { } safe) files.Add(safe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        if (depth < MaxDepth)
            foreach (var child in RunDiscovery.Children(root, real)) Collect(child, depth + 1, files, seen);
    }

    JsonObject? Result(string file)
    {
        var info = new FileInfo(file);
        if (_cache.TryGetValue(file, out var cached) && cached.Length == info.Length && cached.Time == info.LastWriteTimeUtc) return cached.Result;
        var result = ReadEnvelope(file);
        _cache[file] = (info.Length, info.LastWriteTimeUtc, result);
        return result;
    }

    /// <summary>kind, model, created and metrics (numbers only) of an eval result file; null when it is some other JSON.</summary>
    public static JsonObject? ReadEnvelope(string file)
    {
        byte[] head;
        bool whole;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            head = new byte[(int)Math.Min(HeaderBytes, stream.Length)];
            stream.ReadExactly(head);
            whole = head.Length == stream.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var reader = new Utf8JsonReader(head, isFinalBlock: whole, default);
        string? kind = null, model = null, created = null;
        JsonObject? metrics = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && (kind is null || model is null || created is null || metrics is null))
            {
                var name = reader.GetString();
                if (!reader.Read()) break;
                switch (name)
                {
                    case "kind" when reader.TokenType == JsonTokenType.String: kind = reader.GetString(); break;
                    case "model" when reader.TokenType == JsonTokenType.String: model = reader.GetString(); break;
                    case "created" when reader.TokenType == JsonTokenType.String: created = reader.GetString(); break;
                    case "metrics" when reader.TokenType == JsonTokenType.StartObject: metrics = ReadMetrics(ref reader); break;
                    default: if (!reader.TrySkip()) return null; break; // a value longer than the head: not an envelope we can show
                }
            }
        }
        catch (JsonException) { return null; }
        if (kind is null || model is null || created is null || metrics is null) return null;
        return new JsonObject { ["kind"] = kind, ["model"] = model, ["created"] = created, ["metrics"] = metrics };
    }

    /// <summary>name → number; a NaN written as "NaN" (EvalSummary allows named literals) becomes null, other values are skipped.</summary>
    static JsonObject ReadMetrics(ref Utf8JsonReader reader)
    {
        var metrics = new JsonObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!reader.Read()) throw new JsonException("metrics cut off");
            if (reader.TokenType == JsonTokenType.Number) metrics[name] = reader.GetDouble();
            else if (reader.TokenType == JsonTokenType.String) metrics[name] = null;
            else if (!reader.TrySkip()) throw new JsonException("metrics cut off");
        }
        return metrics;
    }
}
