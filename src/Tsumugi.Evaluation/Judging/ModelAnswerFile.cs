using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Reads and writes FastChat's model_answer JSONL (<c>{"question_id", "answer_id", "model_id", "choices": [{"index": 0,
/// "turns": [a1, a2]}], "tstamp"}</c>), so answers from FastChat, llm-jp-judge or any other tool can be judged and
/// Tsumugi's answers judged by them. The model is named after the file (<c>answers/NAME.jsonl</c>), as FastChat names it.
/// </summary>
public static class ModelAnswerFile
{
    public static ModelAnswers Read(string path)
    {
        var turns = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (root, where) in JsonLinesObjects.Read(path, "model answer file", "question_id and choices"))
        {
            var id = root.TryGetProperty("question_id", out var idElement) ? idElement.ValueKind switch
            {
                JsonValueKind.Number => idElement.GetRawText(),
                JsonValueKind.String when idElement.GetString()!.Length > 0 => idElement.GetString(),
                _ => null,
            } : null;
            if (id is null) throw new InvalidDataException($"{where}: field 'question_id' missing or not a number / non-empty string.");
            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || !choices[0].TryGetProperty("turns", out var turnList) || turnList.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{where}: field 'choices[0].turns' missing; expected \"choices\": [{{\"index\": 0, \"turns\": [\"…\"]}}].");
            var texts = new List<string>();
            foreach (var t in turnList.EnumerateArray())
                texts.Add(t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new InvalidDataException($"{where}: field 'choices[0].turns[{texts.Count}]' is not a string."));
            // FastChat keeps the last line per question (a dict by id); a rerun appended to the file overrides the first.
            turns[id] = texts;
        }
        if (turns.Count == 0) throw new InvalidDataException($"{path}: no answers (expected one JSON object per line).");
        return new ModelAnswers(Path.GetFileNameWithoutExtension(path), path, turns);
    }

    /// <summary>Writes <paramref name="answers"/> as <paramref name="modelId"/>'s model_answer file (directories created).</summary>
    public static void Write(string path, string modelId, IReadOnlyList<MtBenchAnswer> answers)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var writer = new StreamWriter(path);
        foreach (var a in answers)
        {
            var line = new JsonObject
            {
                // FastChat's ids are integers: write them back as numbers, any other id as the string it was.
                ["question_id"] = long.TryParse(a.Question.QuestionId, out var n) && n.ToString(System.Globalization.CultureInfo.InvariantCulture) == a.Question.QuestionId
                    ? n : a.Question.QuestionId,
                ["answer_id"] = $"{modelId}-{a.Question.QuestionId}",
                ["model_id"] = modelId,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["turns"] = new JsonArray(a.Turns.Select(t => (JsonNode)t.Text).ToArray()) }),
                ["tstamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            };
            writer.WriteLine(line.ToJsonString(options));
        }
    }
}
