using System.Globalization;

namespace Tsumugi.Tokenization.Normalization;

/// <summary>
/// Unicode simple case folding (ICU's u_foldCase(c, U_FOLD_CASE_DEFAULT), CaseFolding.txt status C+S), which .NET
/// does not expose. Folding is lower(upper(c)) with the invariant (ICU) simple mappings — that sends "ſ", "ς", "ϑ",
/// "µ" and "ẞ" to their folds — except where CaseFolding.txt differs: Cherokee folds to its upper case (U+13F8–13FD
/// → U+13F0–13F5, U+AB70–ABBF → U+13A0–13EF), and U+0130 "İ" has no simple folding.
/// </summary>
static class SimpleCaseFold
{
    static readonly TextInfo Invariant = CultureInfo.InvariantCulture.TextInfo;

    public static int Fold(int cp)
    {
        if (cp is >= 0x13F8 and <= 0x13FD) return cp - 8;
        if (cp is >= 0xAB70 and <= 0xABBF) return cp - 0xAB70 + 0x13A0;
        if (cp is >= 0x13A0 and <= 0x13F5) return cp;
        if (cp == 0x0130) return cp;
        string s = char.ConvertFromUtf32(cp);
        string upper = Invariant.ToUpper(s);
        string folded = Invariant.ToLower(upper);
        // Simple mappings keep one code point; anything else would be a full mapping, which folding does not use.
        return folded.EnumerateRunes().Count() == 1 ? folded.EnumerateRunes().First().Value : cp;
    }
}
