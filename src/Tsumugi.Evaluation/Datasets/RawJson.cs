using System.Text.Json;

namespace Tsumugi.Evaluation.Datasets;

/// <summary>Field access on raw JSON records with errors that name the dataset, file, line and field.</summary>
public static class RawJson
{
    /// <summary>
    /// A JSON-lines file (JGLUE's layout: one object per line), one record per non-blank line, streamed. Each object
    /// is passed with its <see cref="RawLine"/> for error messages.
    /// </summary>
    public static IEnumerable<T> ReadLines<T>(string dataset, string path, string expected, Func<JsonElement, RawLine, T> read)
    {
        foreach (var (number, text) in RawFile.Lines(path))
        {
            if (text.Trim().Length == 0) continue;
            var at = new RawLine(dataset, path, $"line {number}", expected);
            JsonElement record;
            try
            {
                using var doc = JsonDocument.Parse(text);
                record = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw at.Error($"not a JSON object ({e.Message})");
            }
            if (record.ValueKind != JsonValueKind.Object) throw at.Error($"a JSON {record.ValueKind.ToString().ToLowerInvariant()}, not an object");
            yield return read(record, at);
        }
    }

    /// <summary>A whole-file JSON document (JEMHopQA, JSQuAD); a syntax error names its line.</summary>
    public static JsonElement ReadDocument(string dataset, string path, string expected)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new RawLine(dataset, path, $"line {e.LineNumber + 1}", expected).Error($"not valid JSON ({e.Message})");
        }
    }

    public static string String(JsonElement record, string field, RawLine at) =>
        !record.TryGetProperty(field, out var value) ? throw at.Error($"field '{field}' missing")
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw at.Error($"field '{field}' must be a string (got {value.ValueKind.ToString().ToLowerInvariant()})");

    /// <summary>Python's <c>str(value)</c> of an int or string field (JCommonsenseQA's label is an int).</summary>
    public static string Scalar(JsonElement record, string field, RawLine at) =>
        !record.TryGetProperty(field, out var value) ? throw at.Error($"field '{field}' missing")
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw at.Error($"field '{field}' must be an integer or a string (got {value})");

    public static JsonElement Array(JsonElement record, string field, RawLine at) =>
        !record.TryGetProperty(field, out var value) ? throw at.Error($"field '{field}' missing")
        : value.ValueKind == JsonValueKind.Array ? value
        : throw at.Error($"field '{field}' must be a list");
}
