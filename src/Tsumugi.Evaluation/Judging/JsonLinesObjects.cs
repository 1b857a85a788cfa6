using System.Text.Json;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// The JSON objects of a JSONL file (FastChat's judge prompts, model answers), each with its "file:line" for errors;
/// blank lines are skipped, and a line that is not a JSON object stops the read naming the file and line.
/// </summary>
internal static class JsonLinesObjects
{
    /// <param name="what">The file's kind for "not found" ("model answer file").</param>
    /// <param name="fields">The fields a line needs, for "expected a JSON object with …".</param>
    public static IEnumerable<(JsonElement Root, string Where)> Read(string path, string what, string fields)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: {what} not found.", path);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path}:{lineNumber}";
            JsonElement root;
            try { root = JsonDocument.Parse(line).RootElement; }
            catch (JsonException e) { throw new InvalidDataException($"{where}: not valid JSON ({e.Message})."); }
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected a JSON object with {fields}.");
            yield return (root, where);
        }
    }
}
