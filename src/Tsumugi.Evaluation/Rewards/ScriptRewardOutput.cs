using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Reads a reward script's stdout. Blank lines are skipped. If the first line starts with <c>{</c>, every line is a
/// JSON object <c>{"id", "reward"}</c> (any order; a request missing from the output fails alone); otherwise every
/// line is a number and there must be exactly one per request (a count mismatch cannot be aligned, so every request
/// fails). A reward must be a finite number.
/// </summary>
internal static class ScriptRewardOutput
{
    public static RewardScore[] Parse(string stdout, IReadOnlyList<RewardRequest> requests, string stderrTail)
    {
        var lines = stdout.Split('\n').Select((text, i) => (Text: text.Trim(), Number: i + 1)).Where(l => l.Text.Length > 0).ToList();
        return lines.Count > 0 && lines[0].Text.StartsWith('{') ? ByIds(lines, requests, stderrTail) : InOrder(lines, requests, stderrTail);
    }

    static RewardScore[] InOrder(List<(string Text, int Number)> lines, IReadOnlyList<RewardRequest> requests, string stderrTail)
    {
        if (lines.Count != requests.Count)
        {
            var message = $"the script printed {lines.Count} reward lines for {requests.Count} requests{Sample(lines)}{stderrTail}";
            return requests.Select(r => RewardScore.Failed(r.Id, RewardFailureKinds.ScriptOutput, message)).ToArray();
        }
        return requests.Select((r, i) => Number(lines[i].Text) is { } v
            ? RewardScore.Of(r.Id, v)
            : RewardScore.Failed(r.Id, RewardFailureKinds.ScriptOutput, $"stdout line {lines[i].Number}: '{Short(lines[i].Text)}' is not a finite number{stderrTail}")).ToArray();
    }

    static RewardScore[] ByIds(List<(string Text, int Number)> lines, IReadOnlyList<RewardRequest> requests, string stderrTail)
    {
        var wanted = requests.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, (double? Value, string? Problem)>(StringComparer.Ordinal);
        string? firstProblem = null;
        foreach (var (text, number) in lines)
        {
            JsonObject? obj = null;
            try { obj = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { }
            var id = obj?["id"] is JsonValue idValue ? idValue.ToString() : null;
            if (obj is null || id is null)
            {
                firstProblem ??= $"stdout line {number}: '{Short(text)}' is not a JSON object with an \"id\"";
                continue;
            }
            if (!wanted.Contains(id))
            {
                firstProblem ??= $"stdout line {number}: unknown id '{Short(id)}'";
                continue;
            }
            var reward = obj["reward"] is JsonValue rv && rv.TryGetValue<double>(out var d) && double.IsFinite(d) ? d : (double?)null;
            found[id] = found.ContainsKey(id)
                ? (null, $"stdout line {number}: id '{Short(id)}' appears twice")
                : (reward, reward is null ? $"stdout line {number}: \"reward\" is {(obj.ContainsKey("reward") ? obj["reward"]?.ToJsonString() ?? "null" : "missing")}, not a finite number" : null);
        }
        return requests.Select(r => found.TryGetValue(r.Id, out var f)
            ? f.Value is { } v ? RewardScore.Of(r.Id, v) : RewardScore.Failed(r.Id, RewardFailureKinds.ScriptOutput, f.Problem + stderrTail)
            : RewardScore.Failed(r.Id, RewardFailureKinds.ScriptOutput,
                $"no reward for id '{Short(r.Id)}' in the script's output{(firstProblem is null ? "" : $" ({firstProblem})")}{stderrTail}")).ToArray();
    }

    static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;

    static string Sample(List<(string Text, int Number)> lines) => lines.Count == 0 ? "" : $" (first: '{Short(lines[0].Text)}')";

    static string Short(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
