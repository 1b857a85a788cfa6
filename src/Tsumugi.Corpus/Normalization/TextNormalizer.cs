using System.Text;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Normalization;

/// <summary>
/// Unicode and whitespace normalisation (step <c>normalize</c>): NFKC (HojiChar DocumentNormalizer), or — when NFKC
/// is off — at least full-width ASCII/digits to half-width (Tanuki's model could not read full-width digits);
/// control characters removed, CRLF to LF, trailing spaces trimmed, 3+ blank lines collapsed to one blank line.
/// Leading indentation is kept so code stays code.
/// </summary>
public sealed class TextNormalizer(bool nfkc = true, bool fullwidthAscii = true, bool whitespace = true) : IPipelineStep
{
    readonly StringBuilder _sb = new();

    public string Name => "normalize";

    public string? Apply(Document doc)
    {
        doc.Text = Normalize(doc.Text);
        return null;
    }

    public string Normalize(string text)
    {
        if (nfkc) text = FastNfkc.Normalize(text);
        else if (!nfkc && fullwidthAscii) text = FullwidthToAscii(text);
        if (whitespace) text = CleanWhitespace(text);
        return text;
    }

    /// <summary>U+FF01–FF5E → U+0021–007E and the ideographic space → ASCII space.</summary>
    public static string FullwidthToAscii(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\u3000', '\uFF5E')) return text;
        return string.Create(text.Length, text, static (span, src) =>
        {
            for (int i = 0; i < src.Length; i++)
            {
                char c = src[i];
                span[i] = c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c == '\u3000' ? ' ' : c;
            }
        });
    }

    string CleanWhitespace(string text)
    {
        var sb = _sb.Clear();
        int blankRun = 0;
        int lineStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r') { if (i + 1 < text.Length && text[i + 1] == '\n') continue; c = '\n'; }
            if (c == '\n')
            {
                while (sb.Length > lineStart && sb[^1] is ' ' or '\t') sb.Length--;
                bool blank = sb.Length == lineStart;
                if (blank) { blankRun++; if (blankRun > 1 || sb.Length == 0) continue; }
                else blankRun = 0;
                sb.Append('\n');
                lineStart = sb.Length;
                continue;
            }
            if (c != '\t' && (char.IsControl(c) || c is '\u200B' or '\uFEFF' or '\u00AD')) continue;
            if (c is '\u00A0' or '\u2000' or '\u2001' or '\u2002' or '\u2003' or '\u2009' or '\u3000') c = ' ';
            sb.Append(c);
        }
        while (sb.Length > 0 && char.IsWhiteSpace(sb[^1])) sb.Length--;
        return sb.ToString();
    }
}
