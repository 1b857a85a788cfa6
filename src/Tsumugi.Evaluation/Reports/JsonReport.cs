using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// The comparison as JSON for scripts: <c>{"columns": [{label, model, sources}], "rows": [{kind, metric, better,
/// values (null = missing), best (column indices)}], "leaderboards": [{title, headers, rows: [{model, values}], notes}]}</c>
/// (<see cref="LeaderboardViews"/>). NaN and infinities are written as strings.
/// </summary>
public static class JsonReport
{
    public static string Render(ComparisonTable table)
    {
        var columns = new JsonArray(table.Columns.Select(c => (JsonNode)new JsonObject
        {
            ["label"] = c.Label, ["model"] = c.Model, ["sources"] = new JsonArray(c.Sources.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
        }).ToArray());
        var rows = new JsonArray(table.Rows.Select(r => (JsonNode)new JsonObject
        {
            ["kind"] = r.Kind, ["metric"] = r.Metric, ["better"] = ReportNumber.BetterText(r.Better),
            ["values"] = Values(r.Values),
            ["best"] = new JsonArray(r.Best.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()),
        }).ToArray());
        var views = new JsonArray(LeaderboardViews.Of(table).Select(v => (JsonNode)new JsonObject
        {
            ["title"] = v.Title,
            ["headers"] = new JsonArray(v.Headers.Select(h => (JsonNode)JsonValue.Create(h)).ToArray()),
            ["rows"] = new JsonArray(v.Rows.Select(r => (JsonNode)new JsonObject { ["model"] = r.Model, ["values"] = Values(r.Values) }).ToArray()),
            ["notes"] = new JsonArray(v.Notes.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
        }).ToArray());
        return new JsonObject { ["columns"] = columns, ["rows"] = rows, ["leaderboards"] = views }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    static JsonArray Values(IEnumerable<double?> values) =>
        new(values.Select(v => v is { } d ? (double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(ReportNumber.Format(d))) : null).ToArray<JsonNode?>());
}
