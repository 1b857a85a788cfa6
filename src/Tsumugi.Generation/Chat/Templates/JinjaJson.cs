using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>JSON in and out of the value model.</summary>
static class JinjaJson
{
    /// <summary>A parsed JSON value as a template value; object key order is kept.</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => ToDict(o),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            // JSON 1 is Python int, 1.0 and 2.5 are float: decided by the literal, as json.loads does.
            JsonValueKind.Number => long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i
                : (object)v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    static OrderedDictionary<string, object?> ToDict(JsonObject o)
    {
        var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in o) d[k] = FromJson(v);
        return d;
    }

    /// <summary>
    /// transformers' tojson: <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=None, sort_keys=False)</c>.
    /// Python's default separators are ", " and ": " (", " becomes "," when indenting); non-ASCII stays as is; only
    /// quote, backslash and control characters are escaped.
    /// </summary>
    public static string Dumps(object? value, int? indent)
    {
        var sb = new StringBuilder();
        Write(sb, value, indent, 0);
        return sb.ToString();
    }

    static void Write(StringBuilder sb, object? v, int? indent, int depth)
    {
        switch (v)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Py.FloatRepr(d));
                break;
            case string s: WriteString(sb, s); break;
            case List<object?> l:
                WriteItems(sb, '[', ']', l.Count, indent, depth, (k) => Write(sb, l[k], indent, depth + 1));
                break;
            case OrderedDictionary<string, object?> o:
                WriteItems(sb, '{', '}', o.Count, indent, depth, k =>
                {
                    var (key, value) = o.GetAt(k);
                    WriteString(sb, key);
                    sb.Append(": ");
                    Write(sb, value, indent, depth + 1);
                });
                break;
            case JinjaNamespace n:
                var copy = new OrderedDictionary<string, object?>(n.Attributes, StringComparer.Ordinal);
                Write(sb, copy, indent, depth);
                break;
            default:
                throw new JinjaTypeError($"Object of type {Py.TypeName(v)} is not JSON serializable");
        }
    }

    static void WriteItems(StringBuilder sb, char open, char close, int count, int? indent, int depth, Action<int> item)
    {
        sb.Append(open);
        if (count == 0) { sb.Append(close); return; }
        for (int k = 0; k < count; k++)
        {
            if (k > 0) sb.Append(indent is null ? ", " : ",");
            if (indent is { } n) sb.Append('\n').Append(' ', n * (depth + 1));
            item(k);
        }
        if (indent is { } m) sb.Append('\n').Append(' ', m * depth);
        sb.Append(close);
    }

    static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
