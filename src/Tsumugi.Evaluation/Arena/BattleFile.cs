using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// Battles as JSON Lines, one <c>{"model_a", "model_b", "winner", "question_id"?, "turn"?, "judge"?}</c> per line —
/// the columns of Chatbot Arena's battle table, so its notebooks read our files and ours read theirs. Malformed lines
/// are an <see cref="InvalidDataException"/> naming file:line and field.
/// </summary>
public static class BattleFile
{
    static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<Battle> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: battle file not found.", path);
        var battles = new List<Battle>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path}:{lineNumber}";
            JsonObject root;
            try { root = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{where}: expected a JSON object with model_a, model_b, winner."); }
            catch (JsonException e) { throw new InvalidDataException($"{where}: not valid JSON ({e.Message})."); }
            string Text(string name) => root[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s
                : throw new InvalidDataException($"{where}: field '{name}' missing or not a non-empty string.");
            var (a, b, winner) = (Text("model_a"), Text("model_b"), Text("winner"));
            if (!Battle.Winners.Contains(winner))
                throw new InvalidDataException($"{where}: field 'winner' is '{winner}'; expected one of {string.Join(", ", Battle.Winners.Select(w => $"'{w}'"))}.");
            if (a == b) throw new InvalidDataException($"{where}: model_a and model_b are both '{a}'; a battle needs two models.");
            var question = root["question_id"] switch { null => null, JsonValue v when v.TryGetValue<string>(out var s) => s, var n => n.ToJsonString() };
            int? turn = root["turn"] is JsonValue t && t.TryGetValue<int>(out var ti) ? ti : null;
            string? judge = root["judge"] is JsonValue j && j.TryGetValue<string>(out var js) ? js : null;
            battles.Add(new Battle(a, b, winner, question, turn, judge));
        }
        return battles;
    }

    /// <summary>Appends battles (creating the file and its directory); one line each, flushed before returning.</summary>
    public static void Append(string path, IEnumerable<Battle> battles)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        using var writer = new StreamWriter(path, append: true);
        foreach (var b in battles) writer.WriteLine(ToJson(b).ToJsonString(Options));
    }

    static JsonObject ToJson(Battle b)
    {
        var json = new JsonObject { ["model_a"] = b.ModelA, ["model_b"] = b.ModelB, ["winner"] = b.Winner };
        if (b.QuestionId is not null) json["question_id"] = b.QuestionId;
        if (b.Turn is not null) json["turn"] = b.Turn;
        if (b.Judge is not null) json["judge"] = b.Judge;
        return json;
    }

    /// <summary>
    /// The battles of pairwise judgments: one per counted match, model 1 as model_a; matches with a failed game are
    /// left out, as in the win-rate table.
    /// </summary>
    public static IReadOnlyList<Battle> FromJudgments(IEnumerable<PairwiseJudgment> judgments, string judge) =>
        judgments.Where(j => j.Winner is not null).Select(j => new Battle(j.Model1, j.Model2, j.Winner switch
        {
            PairwiseOutcome.Model1 => Battle.WinnerA,
            PairwiseOutcome.Model2 => Battle.WinnerB,
            _ => Battle.Tie,
        }, j.QuestionId, j.Turn, judge)).ToList();
}
