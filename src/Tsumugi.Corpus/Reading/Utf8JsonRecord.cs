using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// The common JSONL record — an object holding the text and at most <c>id</c>, <c>domain</c>, <c>quality</c> and
/// <c>source</c> — read straight from its UTF-8 bytes: by <see cref="PlainJsonRecord"/> when its fields are plain
/// strings, else with a <see cref="Utf8JsonReader"/>. Only the text and id are materialised as strings, and no
/// <see cref="JsonDocument"/> is built. Every other record (other fields, which go
/// to the document's metadata; a field twice; invalid UTF-8; malformed JSON; a missing or non-string text) is
/// answered "not mine" (<see cref="TryRead"/> returns false), and the caller reads the line as before, so documents
/// and error reports are the same as <see cref="CorpusReader"/>'s <see cref="JsonDocument"/> path.
/// </summary>
public sealed class Utf8JsonRecord(string textField)
{
    readonly byte[] _textField = Encoding.UTF8.GetBytes(textField);
    /// <summary>A text field named like one of the known fields would be read twice: such configs take the general path.</summary>
    readonly bool _usable = textField is not ("id" or "domain" or "quality" or "source");
    readonly PlainJsonRecord _plain = new(Encoding.UTF8.GetBytes(textField));

    public readonly record struct Fields(string Text, string? Id, string? Domain, string? Quality);

    public bool TryRead(ReadOnlySpan<byte> line, out Fields fields)
    {
        fields = default;
        if (!_usable) return false;
        int first = line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r');
        if (first < 0 || line[first] != (byte)'{') return false;
        if (_plain.TryRead(line[first..], out fields)) return true;
        if (!Utf8.IsValid(line)) return false;
        try
        {
            return Parse(line, out fields);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false; // malformed: the general path reports it in its own words
        }
    }

    bool Parse(ReadOnlySpan<byte> line, out Fields fields)
    {
        fields = default;
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        string? text = null, id = null, domain = null, quality = null;
        bool seenText = false, seenId = false, seenDomain = false, seenQuality = false, seenSource = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(_textField))
            {
                if (!Once(ref seenText) || !reader.Read() || reader.TokenType != JsonTokenType.String) return false;
                text = reader.GetString();
            }
            else if (reader.ValueTextEquals("id"u8)) { if (!Once(ref seenId)) return false; id = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("domain"u8)) { if (!Once(ref seenDomain)) return false; domain = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("quality"u8)) { if (!Once(ref seenQuality)) return false; quality = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("source"u8)) { if (!Once(ref seenSource)) return false; StringOrSkip(ref reader); }
            else return false; // a field that belongs in the metadata
        }
        // The object must be closed and nothing but whitespace may follow it (the reader throws on anything else).
        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0 || reader.Read() || text is null) return false;
        fields = new Fields(text, id, domain, quality);
        return true;
    }

    static bool Once(ref bool seen)
    {
        if (seen) return false;
        seen = true;
        return true;
    }

    /// <summary>The property's value when it is a string, else null (an object or array is skipped whole).</summary>
    static string? StringOrSkip(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("value expected");
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        reader.Skip();
        return null;
    }
}
