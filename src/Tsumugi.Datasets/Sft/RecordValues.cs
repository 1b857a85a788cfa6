using System.Text;
using System.Text.Json;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Reads the fields of one JSON record (SFT or preference) and says precisely what is wrong when a field is missing or
/// of the wrong type, by throwing <see cref="RecordProblem"/>: the parsers turn that into a counted reject.
/// </summary>
internal static class RecordValues
{
    /// <summary>
    /// A list of chat messages with roles normalised. <paramref name="roleColumn"/> / <paramref name="contentColumn"/>:
    /// the configured field names inside a message; unset accepts <c>role</c>/<c>from</c> and <c>content</c>/<c>value</c>.
    /// </summary>
    public static List<SftMessage> Messages(JsonElement list, string field, string? roleColumn, string? contentColumn)
    {
        if (list.ValueKind != JsonValueKind.Array)
            throw new RecordProblem(SftRejectReason.WrongType, $"'{field}' is a {Kind(list)}, not a list of messages");
        var result = new List<SftMessage>();
        var i = 0;
        foreach (var m in list.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object)
                throw new RecordProblem(SftRejectReason.WrongType, $"{field}[{i}] is a {Kind(m)}, not a message object");
            var roleField = roleColumn ?? (m.TryGetProperty("role", out _) ? "role" : "from");
            var contentField = contentColumn ?? (m.TryGetProperty("content", out _) ? "content" : "value");
            if (!m.TryGetProperty(roleField, out var roleValue) || roleValue.ValueKind != JsonValueKind.String)
                throw new RecordProblem(SftRejectReason.MissingColumn, $"{field}[{i}] has no string '{roleField}' (fields: {Fields(m)}); set columns.role");
            var role = SftRoles.Normalize(roleValue.GetString()!)
                ?? throw new RecordProblem(SftRejectReason.UnknownRole, $"{field}[{i}] has role '{roleValue.GetString()}'; only system, user (human) and assistant (gpt) turns can be trained on");
            if (!m.TryGetProperty(contentField, out var content))
                throw new RecordProblem(SftRejectReason.MissingColumn, $"{field}[{i}] has no '{contentField}' (fields: {Fields(m)}); set columns.content");
            result.Add(new SftMessage(role, Text(content, $"{field}[{i}].{contentField}")));
            i++;
        }
        return result;
    }

    /// <summary>A message's text: a string, or OpenAI's list of parts of which only <c>{type: text, text}</c> is text.</summary>
    public static string Text(JsonElement content, string where)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Null:
                throw new RecordProblem(SftRejectReason.NonTextContent, $"{where} is null (a tool call?); training needs text");
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var k = 0;
                foreach (var part in content.EnumerateArray())
                {
                    var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    if (type != "text" || !part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
                        throw new RecordProblem(SftRejectReason.NonTextContent, $"{where}[{k}] is a '{type ?? Kind(part)}' part; only {{type: text, text}} parts can be trained on");
                    text.Append(value.GetString());
                    k++;
                }
                return text.ToString();
            default:
                throw new RecordProblem(SftRejectReason.WrongType, $"{where} is a {Kind(content)}, not text");
        }
    }

    public static JsonElement Required(JsonElement r, string field) =>
        r.TryGetProperty(field, out var v)
            ? v
            : throw new RecordProblem(SftRejectReason.MissingColumn, $"no column '{field}' (columns: {Fields(r)})");

    public static string RequiredString(JsonElement r, string field)
    {
        var v = Required(r, field);
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new RecordProblem(SftRejectReason.WrongType, $"'{field}' is a {Kind(v)}, not text");
    }

    public static string? OptionalString(JsonElement r, string field)
    {
        if (!r.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new RecordProblem(SftRejectReason.WrongType, $"'{field}' is a {Kind(v)}, not text");
    }

    /// <summary>The record's field names, comma-separated, for messages.</summary>
    public static string Fields(JsonElement o) => string.Join(", ", o.EnumerateObject().Select(p => p.Name));

    /// <summary>The JSON kind in lower case ("number", "array"…), for messages.</summary>
    public static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    /// <summary>The JSON kind with its article ("an array", "a string"), for messages.</summary>
    public static string AKind(JsonElement e) => Kind(e) is var k && k[0] is 'a' or 'o' or 'u' ? $"an {k}" : $"a {k}";
}
