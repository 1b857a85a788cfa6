using System.Text.Json;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Reads an MT-Bench question file: JSON Lines of <c>{"question_id", "category", "turns": [t1, t2], "reference"?}</c>
/// (FastChat's question.jsonl format). <c>reference</c> may be one string (for turn 1) or a list with one string per
/// turn. Blank lines are skipped. Any other problem is an <see cref="InvalidDataException"/> naming file:line and the
/// field, because a silently dropped question would change every average.
/// </summary>
public static class MtBenchQuestionReader
{
    public static IReadOnlyList<MtBenchQuestion> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: question file not found.", path);
        var questions = new List<MtBenchQuestion>();
        var seen = new Dictionary<string, int>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path}:{lineNumber}";
            var question = Parse(line, where);
            if (seen.TryGetValue(question.QuestionId, out int first))
                throw new InvalidDataException($"{where}: question_id '{question.QuestionId}' repeats line {first}; ids must be unique.");
            seen[question.QuestionId] = lineNumber;
            questions.Add(question);
        }
        if (questions.Count == 0) throw new InvalidDataException($"{path}: no questions (expected one JSON object per line).");
        return questions;
    }

    /// <summary>Parses one line; <paramref name="where"/> ("file:line") prefixes every error.</summary>
    public static MtBenchQuestion Parse(string line, string where)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: not valid JSON ({e.Message})."); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: expected a JSON object with question_id, category and turns.");
            var id = root.TryGetProperty("question_id", out var idElement) ? idElement.ValueKind switch
            {
                JsonValueKind.Number => idElement.GetRawText(), // FastChat's ids are integers
                JsonValueKind.String when idElement.GetString()!.Length > 0 => idElement.GetString()!,
                _ => null,
            } : null;
            if (id is null) throw new InvalidDataException($"{where}: field 'question_id' missing or not a number / non-empty string.");
            if (!root.TryGetProperty("category", out var cat) || cat.ValueKind != JsonValueKind.String || cat.GetString()!.Trim().Length == 0)
                throw new InvalidDataException($"{where}: field 'category' missing or not a non-empty string (e.g. \"writing\", \"math\").");
            if (MtBenchScores.IsReservedName(cat.GetString()!.Trim()))
                throw new InvalidDataException($"{where}: field 'category' is '{cat.GetString()!.Trim()}', a name the metrics use (mt_bench/{cat.GetString()!.Trim()}); rename the category.");
            if (!root.TryGetProperty("turns", out var turnsElement))
                throw new InvalidDataException($"{where}: field 'turns' missing; give the user turns as a list of strings, e.g. \"turns\": [\"…\", \"…\"].");
            var turns = Strings(turnsElement, where, "turns");
            if (turns.Count == 0) throw new InvalidDataException($"{where}: field 'turns' is empty; give at least one user turn.");
            for (int i = 0; i < turns.Count; i++)
                if (turns[i].Trim().Length == 0) throw new InvalidDataException($"{where}: field 'turns[{i}]' is an empty turn.");
            IReadOnlyList<string>? references = null;
            if (root.TryGetProperty("reference", out var refElement) && refElement.ValueKind != JsonValueKind.Null)
            {
                references = refElement.ValueKind == JsonValueKind.String ? [refElement.GetString()!] : Strings(refElement, where, "reference");
                if (references.Count > turns.Count)
                    throw new InvalidDataException($"{where}: field 'reference' has {references.Count} answers for {turns.Count} turns; give at most one per turn.");
            }
            return new MtBenchQuestion(id, cat.GetString()!.Trim(), turns, references);
        }
    }

    static List<string> Strings(JsonElement element, string where, string field)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: field '{field}' must be a list of strings (got {element.ValueKind.ToString().ToLowerInvariant()}).");
        var list = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{where}: field '{field}[{list.Count}]' must be a string (got {item.ValueKind.ToString().ToLowerInvariant()}).");
            list.Add(item.GetString()!);
        }
        return list;
    }
}
