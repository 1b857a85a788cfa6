using System.Text;
using System.Text.Json;

namespace Tsumugi.Dashboard;

/// <summary>
/// Flattens one metrics.jsonl line into numeric series without knowing its keys: a top-level number is the series of
/// its name ("loss", "rewards/chosen"), a number inside an object is "OBJECT/KEY" ("domain_loss/ja",
/// "tasks/mc_ja/acc"). "step" is the x axis, "stage" (a string) the curriculum stage, "time" is left out (wall clock,
/// not a curve); strings, booleans, arrays and non-finite values are skipped.
/// </summary>
public static class MetricsLine
{
    /// <summary>Deepest object nesting flattened; deeper values are skipped (no metrics writer nests further).</summary>
    const int MaxDepth = 4;

    /// <summary>
    /// Parses <paramref name="line"/>; false when it is not a JSON object with a numeric "step". Series names are looked
    /// up (and added) through <paramref name="intern"/> so each name is allocated once per log, not once per line.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, Func<string, int> intern, out MetricRow row)
    {
        row = null!;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 16 });
        long? step = null;
        string? stage = null;
        var series = new List<int>(24);
        var values = new List<double>(24);
        var prefix = new StringBuilder();
        var prefixLengths = new Stack<int>();
        string? property = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        break;
                    case JsonTokenType.StartObject when prefixLengths.Count < MaxDepth:
                        prefixLengths.Push(prefix.Length);
                        prefix.Append(property).Append('/');
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        reader.Skip();
                        break;
                    case JsonTokenType.EndObject when prefixLengths.Count > 0:
                        prefix.Length = prefixLengths.Pop();
                        break;
                    case JsonTokenType.Number when prefixLengths.Count == 0 && property == "step":
                        step = reader.TryGetInt64(out var s) ? s : (long)reader.GetDouble();
                        break;
                    case JsonTokenType.Number when prefixLengths.Count == 0 && property == "time":
                        break;
                    case JsonTokenType.Number:
                        var value = reader.GetDouble();
                        if (double.IsFinite(value))
                        {
                            series.Add(intern(prefix.Length == 0 ? property! : prefix + property));
                            values.Add(value);
                        }
                        break;
                    case JsonTokenType.String when prefixLengths.Count == 0 && property == "stage":
                        stage = reader.GetString();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return false; // a malformed line is skipped, not fatal: the rest of the run still charts
        }
        if (step is null) return false;
        row = new MetricRow(step.Value, stage, [.. series], [.. values]);
        return true;
    }
}
