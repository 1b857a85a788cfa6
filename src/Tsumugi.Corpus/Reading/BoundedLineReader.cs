using System.Text;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Reads lines from a <see cref="TextReader"/> without ever holding more than <c>maxChars</c> of one line: longer
/// lines are consumed and reported as oversize. <c>StreamReader.ReadLine</c> would build a 200 MB string for a
/// 200 MB single-line file.
/// </summary>
public sealed class BoundedLineReader(TextReader reader, int maxChars)
{
    readonly char[] _buffer = new char[64 * 1024];
    readonly StringBuilder _line = new();
    int _pos, _len;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the line last returned ended with a newline (false only for a last line the input cut off).</summary>
    public bool LastLineTerminated { get; private set; }

    /// <summary>Reads the next line. False at end of input. <paramref name="line"/> is null when the line was oversize.</summary>
    public bool TryReadLine(out string? line, out bool oversize)
    {
        _line.Clear();
        oversize = false;
        bool any = false;
        while (true)
        {
            if (_pos >= _len)
            {
                _len = reader.Read(_buffer, 0, _buffer.Length);
                _pos = 0;
                if (_len <= 0)
                {
                    if (!any) { line = null; return false; }
                    LastLineTerminated = false;
                    break;
                }
            }
            any = true;
            int nl = Array.IndexOf(_buffer, '\n', _pos, _len - _pos);
            int end = nl < 0 ? _len : nl;
            if (!oversize)
            {
                if (_line.Length + (end - _pos) > maxChars) { oversize = true; _line.Clear(); }
                else _line.Append(_buffer, _pos, end - _pos);
            }
            if (nl >= 0) { _pos = nl + 1; LastLineTerminated = true; break; }
            _pos = _len;
        }
        LineNumber++;
        if (oversize) { line = null; return true; }
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        line = _line.ToString();
        return true;
    }
}
