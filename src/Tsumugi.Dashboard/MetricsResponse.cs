using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tsumugi.Dashboard;

/// <summary>
/// The body of GET /api/runs/{id}/metrics: {"id", "steps", "last_step", "offset", "series": {name: {"x", "y"}},
/// "stages": [{"name", "from", "to"}]}, each series cut to at most <c>points</c> by <see cref="Downsampler"/>, and
/// only the series named by <c>?series=</c> when given (the compare view asks for a few scalar curves of many runs).
/// Values are written as single-precision (7 significant digits: more than a chart can show, half the bytes of a
/// double), which keeps a 1000-point series near 15 kB.
/// </summary>
public static class MetricsResponse
{
    public const int DefaultPoints = 1000;
    public const int MaxPoints = 100_000;

    /// <param name="only">Series to include, by name ("loss") or chart group ("domain_loss" = every domain_loss/…); null: all.</param>
    public static byte[] Write(string id, SeriesSnapshot snapshot, int points, IReadOnlySet<string>? only = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteNumber("steps", snapshot.Steps);
            if (snapshot.LastStep is { } last) json.WriteNumber("last_step", last);
            else json.WriteNull("last_step");
            json.WriteNumber("offset", snapshot.Offset);
            json.WriteStartObject("series");
            foreach (var (name, (x, y)) in snapshot.Series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (only is not null && !only.Contains(name) && !only.Contains(name.Split('/')[0])) continue;
                var keep = Downsampler.Keep(y, points);
                json.WriteStartObject(name);
                json.WriteStartArray("x");
                foreach (var i in keep) json.WriteNumberValue((long)x[i]);
                json.WriteEndArray();
                json.WriteStartArray("y");
                foreach (var i in keep)
                {
                    var single = (float)y[i];
                    if (float.IsFinite(single)) json.WriteNumberValue(single);
                    else json.WriteNumberValue(y[i]); // beyond float's range: keep the double rather than write Infinity
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartArray("stages");
            foreach (var stage in snapshot.Stages)
            {
                json.WriteStartObject();
                json.WriteString("name", stage.Name);
                json.WriteNumber("from", stage.From);
                json.WriteNumber("to", stage.To);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
