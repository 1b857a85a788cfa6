using System.Collections;
using System.Text;
using System.Text.Json.Nodes;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// A row of Parquet.Net's untyped reader as JSON, so Parquet records go through the same shape logic as JSON ones:
/// structs become objects, lists arrays, strings strings (Parquet.Net may hand them out as memory slices).
/// </summary>
internal static class ParquetJson
{
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        ReadOnlyMemory<char> chars => JsonValue.Create(chars.ToString()),
        ReadOnlyMemory<byte> bytes => JsonValue.Create(Encoding.UTF8.GetString(bytes.Span)),
        byte[] bytes => JsonValue.Create(Encoding.UTF8.GetString(bytes)),
        bool b => JsonValue.Create(b),
        DateTime or DateTimeOffset or TimeSpan or Guid => JsonValue.Create(value.ToString()),
        IDictionary<string, object> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        IDictionary map => new JsonObject(map.Keys.Cast<object>().Select(k => KeyValuePair.Create(k.ToString() ?? "", ToNode(map[k])))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToNode).ToArray()),
        IConvertible number => JsonValue.Create(Convert.ToDouble(number, System.Globalization.CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(value.ToString()),
    };
}
