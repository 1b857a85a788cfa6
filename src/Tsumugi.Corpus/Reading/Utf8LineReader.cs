using System.Text;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Reads the lines of a UTF-8 stream as bytes, so that a JSONL record can be parsed straight from the file's bytes
/// (<see cref="Utf8JsonRecord"/>) instead of being decoded to a string, copied into a line, and encoded back to UTF-8
/// for the JSON parser. Same lines, line numbers and limits as <see cref="BoundedLineReader"/> over a
/// <see cref="StreamReader"/> with <paramref name="decoding"/>: a line is split at '\n' and loses one trailing '\r';
/// a line of more than <paramref name="maxChars"/> UTF-16 characters is reported as oversize without ever being held
/// whole; every byte is decoded by <paramref name="decoding"/> (its fallback counts invalid bytes) where the line is
/// not valid UTF-8 or is longer than <paramref name="maxChars"/> bytes.
/// </summary>
public sealed class Utf8LineReader(Stream stream, Encoding decoding, int maxChars)
{
    const int ReadBytes = 1 << 20;
    byte[] _buffer = new byte[ReadBytes];
    int _start, _end, _scanned;
    bool _eof, _started;
    char[] _chars = [];

    public enum Kind { End, Bytes, Text, Oversize }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the line last returned ended with a newline (false only for a last line the input cut off).</summary>
    public bool LastLineTerminated { get; private set; }

    /// <summary>The buffer that a <see cref="Kind.Bytes"/> line points into (valid until the next call).</summary>
    public byte[] Buffer => _buffer;

    /// <summary>
    /// The next line: <see cref="Kind.Bytes"/> (at <paramref name="offset"/>, <paramref name="length"/> bytes of
    /// <see cref="Buffer"/>, at most <c>maxChars</c> bytes, not yet decoded), <see cref="Kind.Text"/> (a line longer than
    /// <c>maxChars</c> bytes but not characters, decoded into <paramref name="text"/>), <see cref="Kind.Oversize"/>, or
    /// <see cref="Kind.End"/>.
    /// </summary>
    public Kind Next(out int offset, out int length, out string? text)
    {
        text = null;
        while (true)
        {
            int nl = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                nl += _scanned;
                LastLineTerminated = true;
                return Line(nl, nl + 1, out offset, out length, out text);
            }
            _scanned = _end;
            if (_end - _start > maxChars) return LongLine(out offset, out length, out text);
            if (_eof)
            {
                offset = length = 0;
                if (_start == _end) return Kind.End;
                LastLineTerminated = false;
                return Line(_end, _end, out offset, out length, out text);
            }
            Fill();
        }
    }

    Kind Line(int end, int next, out int offset, out int length, out string? text)
    {
        LineNumber++;
        offset = _start;
        length = end - _start;
        _start = _scanned = next;
        text = null;
        if (length > maxChars)
        {
            // More bytes than allowed characters, all in the buffer (one fill brought the line and its end): decoded
            // to count its characters, as for a line that streams by.
            var line = new StringBuilder();
            long chars = Decode(decoding.GetDecoder(), _buffer.AsSpan(offset, length), flush: true, line, 0);
            offset = length = 0;
            if (chars > maxChars) return Kind.Oversize;
            if (line.Length > 0 && line[^1] == '\r') line.Length--;
            text = line.ToString();
            return Kind.Text;
        }
        if (length > 0 && _buffer[offset + length - 1] == (byte)'\r') length--;
        return Kind.Bytes;
    }

    /// <summary>Reads more bytes after the unconsumed ones, moving them to the front or growing the buffer first.</summary>
    void Fill()
    {
        int pending = _end - _start;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _scanned -= _start;
            _start = 0;
            _end = pending;
        }
        if (_buffer.Length - _end < ReadBytes / 2) Array.Resize(ref _buffer, _buffer.Length * 2);
        var preamble = _started ? [] : decoding.Preamble;
        int n = _started ? stream.Read(_buffer, _end, _buffer.Length - _end)
            : stream.ReadAtLeast(_buffer.AsSpan(_end), Math.Max(1, preamble.Length), throwOnEndOfStream: false);
        if (n <= 0) _eof = true;
        else _end += n;
        if (!_started && _buffer.AsSpan(0, _end).StartsWith(preamble)) _start = _scanned = preamble.Length; // as StreamReader drops it
        _started = true;
    }

    /// <summary>
    /// A line of more than <c>maxChars</c> bytes: decoded as it streams by (so a huge line is never held whole), its
    /// characters kept while they are at most <c>maxChars</c>, as <see cref="BoundedLineReader"/> does.
    /// </summary>
    Kind LongLine(out int offset, out int length, out string? text)
    {
        offset = length = 0;
        text = null;
        var decoder = decoding.GetDecoder();
        var line = new StringBuilder();
        long chars = 0;
        bool terminated = false;
        while (true)
        {
            int nl = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            int stop = nl >= 0 ? _start + nl : _end;
            if (nl >= 0) terminated = true;
            chars += Decode(decoder, _buffer.AsSpan(_start, stop - _start), flush: terminated || (_eof && stop == _end), line, chars);
            if (terminated) { _start = _scanned = stop + 1; break; }
            _start = _scanned = _end = 0;
            if (_eof) break;
            int n = stream.Read(_buffer, 0, _buffer.Length);
            if (n <= 0)
            {
                _eof = true;
                chars += Decode(decoder, [], flush: true, line, chars);
                break;
            }
            _end = n;
        }
        LineNumber++;
        LastLineTerminated = terminated;
        if (chars > maxChars) return Kind.Oversize;
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        text = line.ToString();
        return Kind.Text;
    }

    int Decode(Decoder decoder, ReadOnlySpan<byte> bytes, bool flush, StringBuilder line, long before)
    {
        int max = decoding.GetMaxCharCount(bytes.Length);
        if (_chars.Length < max) _chars = new char[max];
        int n = decoder.GetChars(bytes, _chars, flush);
        if (before + n <= maxChars) line.Append(_chars, 0, n);
        else line.Clear();
        return n;
    }

    /// <summary>Decodes a line returned as bytes (one decoder pass, so its invalid bytes are counted once).</summary>
    public string Decode(ReadOnlySpan<byte> bytes)
    {
        int max = decoding.GetMaxCharCount(bytes.Length);
        if (_chars.Length < max) _chars = new char[max];
        int n = decoding.GetDecoder().GetChars(bytes, _chars, flush: true);
        return new string(_chars, 0, n);
    }
}
