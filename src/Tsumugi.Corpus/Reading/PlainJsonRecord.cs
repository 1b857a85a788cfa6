using System.Buffers;
using System.Text.Unicode;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// The plainest JSONL record, in one pass over its bytes: an object whose members are all strings, named (without
/// escapes) <c>id</c>, <c>domain</c>, <c>quality</c> or the text field, each at most once, and whose strings use no
/// <c>\u</c> escape. That is what corpora and HojiChar's JSONDumper write, and it is decoded here with one vectorised
/// search and one UTF-8 → UTF-16 transcode per run of unescaped bytes — where <see cref="System.Text.Json.Utf8JsonReader"/>
/// validates a string with escapes byte by byte, unescapes it into a buffer and then transcodes it. Anything else
/// (numbers, nested values, <c>\u</c>, invalid UTF-8, a control character, malformed JSON) makes
/// <see cref="TryRead"/> return false, and <see cref="Utf8JsonRecord"/> reads the line the general way: the result
/// is then decided there, so this class only ever accepts records it decodes exactly as System.Text.Json does.
/// </summary>
public sealed class PlainJsonRecord(byte[] textField)
{
    /// <summary>Ends of an unescaped run inside a string: the closing quote, an escape, or a control character (invalid).</summary>
    static readonly SearchValues<byte> StringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
    char[] _chars = new char[1 << 12];

    public bool TryRead(ReadOnlySpan<byte> json, out Utf8JsonRecord.Fields fields)
    {
        fields = default;
        int i = SkipSpace(json, 0);
        if (i >= json.Length || json[i] != (byte)'{') return false;
        i = SkipSpace(json, i + 1);
        string? text = null, id = null, domain = null, quality = null;
        bool seenText = false, seenId = false, seenDomain = false, seenQuality = false;
        if (i < json.Length && json[i] == (byte)'}') return false; // no text field: the general path reports it
        while (true)
        {
            // "name" : "value"
            if (i >= json.Length || json[i] != (byte)'"') return false;
            int close = json[(i + 1)..].IndexOfAny(StringStops); // a name with an escape is not plain
            if (close < 0 || json[i + 1 + close] != (byte)'"') return false;
            var name = json.Slice(i + 1, close);
            i = SkipSpace(json, i + close + 2);
            if (i >= json.Length || json[i] != (byte)':') return false;
            i = SkipSpace(json, i + 1);
            if (!TryString(json, ref i, out var value)) return false;
            bool ok;
            if (name.SequenceEqual(textField)) { ok = !seenText; seenText = true; text = value; }
            else if (name.SequenceEqual("id"u8)) { ok = !seenId; seenId = true; id = value; }
            else if (name.SequenceEqual("domain"u8)) { ok = !seenDomain; seenDomain = true; domain = value; }
            else if (name.SequenceEqual("quality"u8)) { ok = !seenQuality; seenQuality = true; quality = value; }
            else ok = false; // a field that belongs in the metadata (or "source"): the general path
            if (!ok) return false;
            i = SkipSpace(json, i);
            if (i >= json.Length) return false;
            if (json[i] == (byte)'}') break;
            if (json[i] != (byte)',') return false;
            i = SkipSpace(json, i + 1);
        }
        if (SkipSpace(json, i + 1) != json.Length || text is null) return false;
        fields = new Utf8JsonRecord.Fields(text, id, domain, quality);
        return true;
    }

    static int SkipSpace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i;
    }

    /// <summary>Decodes the string starting at <paramref name="i"/> (its opening quote); false if it is not plain.</summary>
    bool TryString(ReadOnlySpan<byte> json, ref int i, out string? value)
    {
        value = null;
        if (i >= json.Length || json[i] != (byte)'"') return false;
        int pos = i + 1, length = 0;
        while (true)
        {
            int stop = json[pos..].IndexOfAny(StringStops);
            if (stop < 0) return false;
            var run = json.Slice(pos, stop);
            if (_chars.Length < length + run.Length + 1) Array.Resize(ref _chars, Math.Max(2 * _chars.Length, length + run.Length + 1));
            if (Utf8.ToUtf16(run, _chars.AsSpan(length), out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done) return false;
            length += written;
            pos += stop;
            byte b = json[pos];
            if (b == (byte)'"') break;
            if (b != (byte)'\\' || pos + 1 >= json.Length) return false; // a raw control character is not JSON
            char c = json[pos + 1] switch
            {
                (byte)'"' => '"',
                (byte)'\\' => '\\',
                (byte)'/' => '/',
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                _ => '\0', // \u (left to System.Text.Json) or an invalid escape
            };
            if (c == '\0') return false;
            _chars[length++] = c;
            pos += 2;
        }
        value = new string(_chars, 0, length);
        i = pos + 1;
        return true;
    }
}
