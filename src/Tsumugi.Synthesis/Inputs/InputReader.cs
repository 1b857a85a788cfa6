using System.Text.Json;
using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Inputs;

/// <summary>
/// Reads the input records of a recipe (JSONL, one object per line; or a .json array). A line that is not a JSON object
/// is counted and skipped — reported with its file:line — so one bad line does not stop a run; ids must be unique,
/// since a record's id is its key in the run's output.
/// </summary>
public static class InputReader
{
    public sealed record Result(IReadOnlyList<SynthInput> Records, IReadOnlyList<string> Skipped);

    public static Result Read(IReadOnlyList<string> paths, string? idField, int limit)
    {
        var records = new List<SynthInput>();
        var skipped = new List<string>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"input.paths: {path} not found; give JSONL files of records (one JSON object per line).", path);
            foreach (var (element, where, number) in Objects(path, skipped))
            {
                if (limit > 0 && records.Count >= limit) return new Result(records, skipped);
                var record = Parse(element, where, idField, $"{Path.GetFileName(path)}:{number}");
                if (ids.TryGetValue(record.Id, out var first))
                    throw new FormatException($"{where}: id '{record.Id}' was already used at {first}; ids must be unique (fix {idField ?? "the data"} or drop input.id_field)");
                ids[record.Id] = where;
                records.Add(record);
            }
        }
        return new Result(records, skipped);
    }

    /// <summary>The scalar fields every record has: what a template may name.</summary>
    public static IReadOnlyCollection<string> CommonFields(IReadOnlyList<SynthInput> records)
    {
        if (records.Count == 0) return [];
        var common = new HashSet<string>(records[0].Fields.Keys, StringComparer.Ordinal);
        foreach (var r in records.Skip(1)) common.IntersectWith(r.Fields.Keys);
        return common;
    }

    static IEnumerable<(JsonElement, string, int)> Objects(string path, List<string> skipped)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException($"{path}: a .json input must be an array of objects");
            int i = 0;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                i++;
                if (e.ValueKind == JsonValueKind.Object) yield return (e.Clone(), $"{path}[{i - 1}]", i - 1);
                else skipped.Add($"{path}[{i - 1}]: not a JSON object");
            }
            yield break;
        }
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement e;
            try { e = JsonDocument.Parse(text).RootElement; }
            catch (JsonException ex) { skipped.Add($"{path}:{line}: not valid JSON ({ex.Message})"); continue; }
            if (e.ValueKind != JsonValueKind.Object) { skipped.Add($"{path}:{line}: not a JSON object"); continue; }
            yield return (e, $"{path}:{line}", line);
        }
    }

    static SynthInput Parse(JsonElement e, string where, string? idField, string defaultId)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var conversations = new Dictionary<string, IReadOnlyList<ChatTurn>>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.String: fields[p.Name] = p.Value.GetString()!; break;
                case JsonValueKind.Number: fields[p.Name] = p.Value.GetRawText(); break;
                case JsonValueKind.True or JsonValueKind.False: fields[p.Name] = p.Value.GetBoolean() ? "true" : "false"; break;
                case JsonValueKind.Array when Turns(p.Value) is { } turns: conversations[p.Name] = turns; break;
            }
        }
        string id;
        if (idField is null) id = defaultId;
        else if (!fields.TryGetValue(idField, out id!)) throw new FormatException($"{where}: no '{idField}' field (input.id_field); every record needs one, or drop id_field to use file:line");
        return new SynthInput(id, where, fields, conversations);
    }

    /// <summary>The array as chat turns when every item is {role, content} with string values; null otherwise.</summary>
    static List<ChatTurn>? Turns(JsonElement array)
    {
        var turns = new List<ChatTurn>();
        foreach (var m in array.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String) return null;
            turns.Add(new ChatTurn(role.GetString()!, content.GetString()!));
        }
        return turns.Count > 0 ? turns : null;
    }
}
