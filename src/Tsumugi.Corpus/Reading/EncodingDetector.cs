using System.Text;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Picks a file's encoding from its first bytes: BOM, then strict UTF-8, then a declared HTML/XML charset, then
/// strict Shift_JIS (cp932) vs EUC-JP (the one that decodes cleanly with the most kana wins). Falls back to UTF-8
/// with counted replacement. Cheap: no chardet-style statistics (Swallow found chardet to be its slowest part).
/// </summary>
public static class EncodingDetector
{
    static EncodingDetector() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>Ensures the code-page provider (Shift_JIS, EUC-JP) is registered.</summary>
    public static void EnsureRegistered() { }

    public static Encoding ShiftJis => Encoding.GetEncoding(932);
    public static Encoding EucJp => Encoding.GetEncoding(51932);

    /// <summary>Detects the encoding of <paramref name="prefix"/> (the first bytes of a file).</summary>
    /// <param name="atEnd">True when the prefix is the whole file (a cut multi-byte character is then an error).</param>
    public static (Encoding Encoding, int BomLength) Detect(ReadOnlySpan<byte> prefix, bool atEnd)
    {
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return (new UTF8Encoding(false), 3);
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return (Encoding.Unicode, 2);
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return (Encoding.BigEndianUnicode, 2);
        if (DecodesStrictly(new UTF8Encoding(false, true), prefix, atEnd)) return (new UTF8Encoding(false), 0);

        var declared = DeclaredCharset(prefix);
        if (declared is not null) return (declared, 0);

        Encoding? best = null;
        int bestScore = -1;
        foreach (var candidate in new[] { ShiftJis, EucJp })
        {
            var strict = Encoding.GetEncoding(candidate.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            if (!DecodesStrictly(strict, prefix, atEnd)) continue;
            int score = KanaCount(candidate.GetString(prefix));
            if (score > bestScore) (best, bestScore) = (candidate, score);
        }
        return (best ?? new UTF8Encoding(false), 0);
    }

    static bool DecodesStrictly(Encoding strict, ReadOnlySpan<byte> bytes, bool atEnd)
    {
        try
        {
            var decoder = strict.GetDecoder();
            decoder.GetCharCount(bytes, flush: atEnd);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    static int KanaCount(string s)
    {
        int n = 0;
        foreach (char c in s) if (c is >= '\u3041' and <= '\u30FA') n++;
        return n;
    }

    /// <summary>Looks for <c>charset=NAME</c> (HTML meta / XML declaration) in the ASCII view of the prefix.</summary>
    static Encoding? DeclaredCharset(ReadOnlySpan<byte> prefix)
    {
        var head = Encoding.Latin1.GetString(prefix[..Math.Min(prefix.Length, 4096)]);
        int i = head.IndexOf("charset=", StringComparison.OrdinalIgnoreCase);
        int skip = 8;
        if (i < 0) { i = head.IndexOf("encoding=", StringComparison.OrdinalIgnoreCase); skip = 9; }
        if (i < 0) return null;
        int start = i + skip;
        while (start < head.Length && head[start] is '"' or '\'' or ' ') start++;
        int end = start;
        while (end < head.Length && (char.IsLetterOrDigit(head[end]) || head[end] is '-' or '_')) end++;
        if (end == start) return null;
        try
        {
            var enc = Encoding.GetEncoding(head[start..end]);
            // A declared UTF-8 that failed strict decoding is damaged UTF-8, not another encoding.
            return enc.CodePage == 65001 ? null : enc;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
