using System.Globalization;
using System.Text;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// Python's <c>str.lower()</c> and <c>str.capitalize()</c> where they differ from .NET's invariant casing: Python applies
/// Unicode's full mappings — "İ" lowers to "i̇" (i + combining dot), a word-final "Σ" to "ς", and capitalize() title-cases
/// the first character ("ß" → "Ss", "ǆ" → "ǅ"). HellaSwag's ctx_b.capitalize() and the exact-match metrics' lower-casing
/// go through here, so prompts and scores match the harness on such text too.
/// </summary>
public static class PythonCase
{
    public static string Lower(string text) => Lower(text, 0);

    /// <summary>text[start..] lower-cased; characters before start still decide whether a Σ is word-final.</summary>
    static string Lower(string text, int start)
    {
        var result = new StringBuilder(text.Length - start);
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\u0130') result.Append("i\u0307");
            else if (c == 'Σ') result.Append(FinalSigma(text, i) ? 'ς' : 'σ');
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length)
            {
                result.Append(Rune.ToLowerInvariant(new Rune(c, text[i + 1])).ToString());
                i++;
            }
            else result.Append(char.ToLowerInvariant(c));
        }
        return result.ToString();
    }

    public static string Capitalize(string text)
    {
        if (text.Length == 0) return text;
        var first = Rune.GetRuneAt(text, 0);
        return TitleCase(first) + Lower(text, first.Utf16SequenceLength);
    }

    static string TitleCase(Rune r) => r.Value switch
    {
        'ß' => "Ss",
        0x01C4 or 0x01C5 or 0x01C6 => "\u01C5",
        0x01C7 or 0x01C8 or 0x01C9 => "\u01C8",
        0x01CA or 0x01CB or 0x01CC => "\u01CB",
        0x01F1 or 0x01F2 or 0x01F3 => "\u01F2",
        0xFB01 => "Fi",
        0xFB02 => "Fl",
        _ => Rune.ToUpperInvariant(r).ToString(),
    };

    /// <summary>Unicode's Final_Sigma: a cased letter before (past case-ignorables) and none after.</summary>
    static bool FinalSigma(string text, int at)
    {
        int i = at - 1;
        while (i >= 0 && CaseIgnorable(text[i])) i--;
        if (i < 0 || !Cased(text[i])) return false;
        int j = at + 1;
        while (j < text.Length && CaseIgnorable(text[j])) j++;
        return j >= text.Length || !Cased(text[j]);
    }

    static bool Cased(char c) => char.IsUpper(c) || char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter;

    static bool CaseIgnorable(char c) => c is '\'' or '.' or ':' or '·' or '\u2018' or '\u2019' or '\u00AD'
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
