using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Tsumugi.Dashboard;

/// <summary>
/// Flattens one metrics.jsonl line into numeric series without knowing its keys: a top-level number is the series of
/// its name ("loss", "rewards/chosen"), a number inside an object is "OBJECT/KEY" ("domain_loss/ja",
/// "tasks/mc_ja/acc"). "step" is the x axis, "stage" (a string) the curriculum stage, "time" is left out (wall clock,
/// not a curve); strings, booleans, arrays and non-finite values are skipped.
/// </summary>
/// <remarks>
/// The first page load parses every run under --runs (10 runs × 10k steps is 35 MB), so this allocates nothing per
/// key: names are built in a reused char buffer and looked up through <see cref="SeriesIndex"/>, which allocates a
/// string only the first time a log sees a name.
/// </remarks>
public static class MetricsLine
{
    /// <summary>Deepest object nesting flattened; deeper values are skipped (no metrics writer nests further).</summary>
    const int MaxDepth = 4;

    const int MaxName = 256;

    /// <summary>The index of a series name in the owning log (added on first sight).</summary>
    public delegate int SeriesIndex(ReadOnlySpan<char> name);

    [ThreadStatic] static List<int>? SeriesBuffer;
    [ThreadStatic] static List<double>? ValueBuffer;

    /// <summary>
    /// Parses <paramref name="line"/>; false when it is not a JSON object with a numeric "step".
    /// <paramref name="previousStage"/> is reused when the stage is unchanged (it almost always is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(ReadOnlySpan<byte> line, SeriesIndex intern, string? previousStage, out MetricRow row)
    {
        row = null!;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 16 });
        long? step = null;
        string? stage = null;
        var series = SeriesBuffer ??= new List<int>(32);
        var values = ValueBuffer ??= new List<double>(32);
        series.Clear();
        values.Clear();
        Span<char> name = stackalloc char[MaxName];
        Span<int> prefixLengths = stackalloc int[MaxDepth + 1];
        var depth = 0;        // objects entered below the root
        var nameLength = 0;   // chars of the current property name (after the prefix)
        var prefixLength = 0; // chars of "a/b/" in front of it
        var top = false;      // the current property is at the root
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        top = depth == 0;
                        nameLength = CopyName(ref reader, name[prefixLength..]);
                        break;
                    case JsonTokenType.StartObject when depth < MaxDepth && nameLength >= 0 && prefixLength + nameLength < MaxName - 1:
                        prefixLengths[depth++] = prefixLength;
                        prefixLength += nameLength;
                        name[prefixLength++] = '/';
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        reader.Skip();
                        break;
                    case JsonTokenType.EndObject when depth > 0:
                        prefixLength = prefixLengths[--depth];
                        break;
                    case JsonTokenType.Number:
                        if (nameLength < 0) break;
                        var key = name[..(prefixLength + nameLength)];
                        if (top && key.SequenceEqual("step")) step = reader.TryGetInt64(out var s) ? s : (long)reader.GetDouble();
                        else if (top && key.SequenceEqual("time")) { }
                        else if (reader.TryGetDouble(out var value) && double.IsFinite(value))
                        {
                            series.Add(intern(key));
                            values.Add(value);
                        }
                        break;
                    case JsonTokenType.String when top && nameLength == 5 && name[..5].SequenceEqual("stage"):
                        stage = previousStage is not null && reader.ValueTextEquals(previousStage) ? previousStage : reader.GetString();
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

    /// <summary>Copies the property name into <paramref name="into"/>; −1 when it does not fit (the value is then skipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int CopyName(ref Utf8JsonReader reader, scoped Span<char> into)
    {
        if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= into.Length && Encoding.UTF8.TryGetChars(reader.ValueSpan, into, out var written)) return written;
        var text = reader.GetString()!; // escaped names (rare): unescape the slow way
        return text.AsSpan().TryCopyTo(into) ? text.Length : -1;
    }
}
