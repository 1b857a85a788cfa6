using System.Globalization;
using System.Text;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// llm-jp-eval's <c>char_f1</c>: fuzzywuzzy 0.18 <c>fuzz.token_sort_ratio(pred, true) / 100</c> with its defaults
/// (<c>force_ascii=True, full_process=True</c>) and python-Levenshtein ≥ 0.21 as its matcher, as llm-jp-eval installs.
/// Not a bag-of-characters F1, and not rapidfuzz's token_sort_ratio (which skips the processing and does not round):
/// <list type="number">
/// <item>full_process: drop U+0080–U+00FF ("force ascii" on Python 3 removes only that range: é, ×, NBSP go, kana
///   stay); every character that is not a Python regex word character (letter, number, '_') becomes a space, so
///   Japanese punctuation 「」、。・ separates tokens; lowercase as Python's str.lower; strip.</item>
/// <item>Split on whitespace, sort the tokens by code point, join with one space.</item>
/// <item>Equal strings score 100; otherwise either one empty scores 0; otherwise the Indel ratio
///   r = 1 − (|a| + |b| − 2·LCS)/(|a| + |b|) over code points, computed in that order as rapidfuzz does.</item>
/// <item><c>int(round(100·r))</c>: Python rounds halves to even.</item>
/// </list>
/// So scores are multiples of 0.01, and two strings that differ only in case or punctuation score 1.
/// </summary>
public static class CharF1
{
    public static double Score(string prediction, string gold) => TokenSortRatio(prediction, gold) / 100.0;

    /// <summary>fuzzywuzzy's integer 0–100 score.</summary>
    public static int TokenSortRatio(string s1, string s2)
    {
        var a = SortTokens(FullProcess(s1));
        var b = SortTokens(FullProcess(s2));
        if (a.AsSpan().SequenceEqual(b)) return 100;
        if (a.Length == 0 || b.Length == 0) return 0;
        int lensum = a.Length + b.Length;
        int indelDistance = lensum - 2 * Lcs.Length(a, b);
        double ratio = 1.0 - (double)indelDistance / lensum; // rapidfuzz: 1 − normalized distance (the rounding at .5 depends on it)
        return (int)Math.Round(100 * ratio, MidpointRounding.ToEven);
    }

    /// <summary>fuzzywuzzy's <c>utils.full_process(s, force_ascii=True)</c>, as code points.</summary>
    public static string FullProcess(string text)
    {
        var replaced = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is >= 0x80 and <= 0xFF) continue; // asciidammit: Python 3 translates only this range away
            if (IsPythonWordCharacter(rune)) replaced.Append(rune.ToString());
            else replaced.Append(' ');
        }
        return PythonLower(replaced.ToString()).Trim(' ');
    }

    /// <summary>Python's <c>\w</c> on str patterns: str.isalnum() (letters Lu/Ll/Lt/Lm/Lo and numbers Nd/Nl/No) or '_'.</summary>
    static bool IsPythonWordCharacter(Rune rune) => rune.Value == '_' || Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
        or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>
    /// Python's str.lower: the simple lowercase mapping, plus its two special cases: İ (U+0130) becomes "i̇" (two code
    /// points), and Σ becomes final ς after a cased letter when no cased letter follows. (Python's "cased" and
    /// "case-ignorable" are approximated by the letter categories; punctuation, which matters there, is already spaces.)
    /// </summary>
    static string PythonLower(string text)
    {
        var runes = text.EnumerateRunes().ToArray();
        var lower = new StringBuilder(text.Length);
        for (int i = 0; i < runes.Length; i++)
        {
            var r = runes[i];
            if (r.Value == 0x130) lower.Append("i\u0307");
            else if (r.Value == 0x3A3 && CasedBefore(runes, i) && !CasedAfter(runes, i)) lower.Append('ς');
            else lower.Append(Rune.ToLowerInvariant(r).ToString());
        }
        return lower.ToString();
    }

    static bool CasedBefore(Rune[] runes, int i)
    {
        for (int j = i - 1; j >= 0; j--)
            if (!IsCaseIgnorable(runes[j])) return IsCased(runes[j]);
        return false;
    }

    static bool CasedAfter(Rune[] runes, int i)
    {
        for (int j = i + 1; j < runes.Length; j++)
            if (!IsCaseIgnorable(runes[j])) return IsCased(runes[j]);
        return false;
    }

    static bool IsCased(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    static bool IsCaseIgnorable(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format;

    /// <summary>Python's <c>" ".join(sorted(s.split()))</c> as code points (ordinal order = Python's code-point order).</summary>
    static int[] SortTokens(string text)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.EnumerateRunes().Select(r => r.Value).ToArray())
            .Order(CodePointComparer.Instance);
        return string.Join(' ', tokens.Select(t => string.Concat(t.Select(char.ConvertFromUtf32))))
            .EnumerateRunes().Select(r => r.Value).ToArray();
    }

    sealed class CodePointComparer : IComparer<int[]>
    {
        public static readonly CodePointComparer Instance = new();
        public int Compare(int[]? x, int[]? y) => x!.AsSpan().SequenceCompareTo(y);
    }
}
