using System.Text;
using System.Text.Json;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// Streams the records of a raw dataset file with where each came from. JSON lines (<c>.jsonl</c>, one object a line,
/// blank lines skipped) stream with constant memory; a <c>.json</c> file (TriviaQA's official <c>{"Data": [...]}</c> or
/// a plain array) is read whole. Fields are looked up by <see cref="Field"/>, whose errors name the task, file, line
/// and missing field, so a wrong file is recognised at once.
/// </summary>
public static class RawRecords
{
    public readonly record struct Record(JsonElement Value, string Where);

    public static IEnumerable<Record> Read(string task, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{task}: {path}: file not found.", path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? JsonArray(task, path) : JsonLines(task, path);
    }

    static IEnumerable<Record> JsonLines(string task, string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        int line = 0;
        for (string? text; (text = reader.ReadLine()) is not null;)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement value;
            try
            {
                using var doc = JsonDocument.Parse(text);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{task}: {path}: line {line}: not a JSON object ({e.Message}); expected JSON lines, one record a line.");
            }
            if (value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{task}: {path}: line {line}: expected a JSON object, got {value.ValueKind}.");
            yield return new Record(value, $"{path}: line {line}");
        }
    }

    static IEnumerable<Record> JsonArray(string task, string path)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{task}: {path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        var (items, name) = root.ValueKind == JsonValueKind.Array ? (root, "")
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Data", out var data) && data.ValueKind == JsonValueKind.Array ? (data, "Data")
            : throw new InvalidDataException($"{task}: {path}: expected a JSON array of records or an object with a \"Data\" array (TriviaQA's layout).");
        int i = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{task}: {path}: {name}[{i}]: expected a JSON object.");
            yield return new Record(item, $"{path}: {name}[{i}]");
            i++;
        }
    }

    /// <summary>The first of <paramref name="names"/> the record has (raw datasets spell fields differently), or an error naming the field.</summary>
    public static JsonElement Field(string task, Record record, string layout, params string[] names) =>
        Field(task, record.Value, record.Where, layout, names);

    public static JsonElement Field(string task, JsonElement value, string where, string layout, params string[] names)
    {
        if (value.ValueKind == JsonValueKind.Object)
            foreach (var name in names)
                if (value.TryGetProperty(name, out var field) && field.ValueKind != JsonValueKind.Null) return field;
        throw new InvalidDataException($"{task}: {where}: missing field '{names[0]}'; expected {layout}.");
    }

    public static string String(string task, JsonElement value, string where, string layout, params string[] names)
    {
        var field = Field(task, value, where, layout, names);
        return field.ValueKind == JsonValueKind.String ? field.GetString()!
            : throw new InvalidDataException($"{task}: {where}: field '{names[0]}' must be a string (got {field.ValueKind}); expected {layout}.");
    }

    public static List<string> Strings(string task, JsonElement value, string where, string layout, params string[] names)
    {
        var field = Field(task, value, where, layout, names);
        if (field.ValueKind != JsonValueKind.Array || field.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new InvalidDataException($"{task}: {where}: field '{names[0]}' must be a list of strings; expected {layout}.");
        return field.EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
