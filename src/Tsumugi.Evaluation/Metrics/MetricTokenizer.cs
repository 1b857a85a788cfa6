using System.Text;
using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// Word splitting for BLEU and ROUGE. sacrebleu's Japanese tokenizer needs MeCab + ipadic, which Tsumugi does not
/// ship, so <see cref="Japanese"/> is a documented stand-in: every CJK ideograph, kana and full-width symbol is one
/// token; runs of letters/digits of other scripts (Latin, full-width letters after NFKC) are one token each; any other
/// symbol is a token of its own; whitespace only separates. Scores are therefore close to, but not equal to, MeCab-based
/// BLEU/ROUGE. <see cref="Thirteen"/> is sacrebleu's default `13a` tokenizer for English.
/// </summary>
public static partial class MetricTokenizer
{
    public static IReadOnlyList<string> Japanese(string text)
    {
        var tokens = new List<string>();
        var run = new StringBuilder();
        void Flush()
        {
            if (run.Length > 0) tokens.Add(run.ToString());
            run.Clear();
        }
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune)) { Flush(); continue; }
            if (IsCjk(rune)) { Flush(); tokens.Add(rune.ToString()); continue; }
            if (Rune.IsLetterOrDigit(rune)) { run.Append(rune.ToString()); continue; }
            Flush();
            tokens.Add(rune.ToString()); // punctuation and symbols stand alone
        }
        Flush();
        return tokens;
    }

    /// <summary>Han, Hiragana, Katakana (incl. half-width), CJK symbols/punctuation and full-width forms.</summary>
    static bool IsCjk(Rune r) => r.Value switch
    {
        >= 0x3000 and <= 0x30FF => true,   // CJK symbols and punctuation, Hiragana, Katakana
        >= 0x3400 and <= 0x4DBF => true,   // CJK extension A
        >= 0x4E00 and <= 0x9FFF => true,   // CJK unified ideographs
        >= 0xF900 and <= 0xFAFF => true,   // CJK compatibility ideographs
        >= 0xFF00 and <= 0xFFEF => !Rune.IsLetterOrDigit(r) || r.Value >= 0xFF66, // full-width symbols, half-width kana
        >= 0x20000 and <= 0x3134F => true, // CJK extensions B–G
        _ => false,
    };

    /// <summary>sacrebleu's `13a` tokenizer (mteval-v13a): split punctuation and symbols off words, keep decimal numbers together.</summary>
    public static IReadOnlyList<string> Thirteen(string text)
    {
        var line = text.Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ");
        if (line.Contains('&'))
            line = line.Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        line = Symbols().Replace(" " + line + " ", " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    [GeneratedRegex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])")]
    private static partial Regex Symbols();

    [GeneratedRegex(@"([^0-9])([\.,])")]
    private static partial Regex PeriodCommaAfterNonDigit();

    [GeneratedRegex(@"([\.,])([^0-9])")]
    private static partial Regex PeriodCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)")]
    private static partial Regex DashAfterDigit();
}
