namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// sentencepiece's IsValidSentencePiece: length, "▁" position, one Unicode script per piece (Hiragana, Katakana
/// and "ー" count as Han; combining marks inherit; digits/punctuation are "Common"), split_digits.
/// .NET has no Unicode Script property, so scripts are approximated by code-point ranges.
/// </summary>
sealed class PieceValidator(TrainerOptions o)
{
    const int Meta = 0x2581, AnyScript = -1;
    // Script of each BMP character, computed once (0 = not yet): the seed search asks for every character of every
    // candidate substring.
    readonly short[] _bmpScript = new short[0x10000];

    public bool IsValid(ReadOnlySpan<int> cps)
    {
        if (cps.Length == 0 || cps.Length > o.MaxPieceLength) return false;
        bool allWs = true;
        foreach (int c in cps) if (c != Meta) { allWs = false; break; }
        int prev = AnyScript;
        for (int pos = 0; pos < cps.Length; pos++)
        {
            int c = cps[pos];
            if (c is 0x2585 or 0 or 9 or 0x20) return false;
            if (c == Meta)
            {
                if (!o.AllowWhitespaceOnlyPieces || !allWs)
                {
                    if (o.SplitByWhitespace && pos > 0) return false;
                    if (!o.SplitByWhitespace && pos > 0 && pos == cps.Length - 1) return false;
                }
                continue;
            }
            if (o.SplitDigits && IsDigit(c) && cps.Length > 1) return false;
            int s = c < 0x10000 ? (_bmpScript[c] != 0 ? _bmpScript[c] : _bmpScript[c] = (short)Script(c)) : Script(c);
            if (s == Inherited) s = prev;
            if (!o.SplitByNumber && IsDigit(c)) s = AnyScript;
            if (o.SplitByUnicodeScript && prev != AnyScript && s != AnyScript && prev != s) return false;
            prev = s;
        }
        return true;
    }

    static bool IsDigit(int c) => c is >= '0' and <= '9' or >= 0xFF10 and <= 0xFF19;

    const int Common = 1, Han = 2, Latin = 3, Greek = 4, Cyrillic = 5, Hangul = 6, Inherited = 7;

    static int Script(int c)
    {
        if (c is >= 0x3040 and <= 0x30FF or >= 0x31F0 and <= 0x31FF or >= 0xFF66 and <= 0xFF9D or >= 0x3400 and <= 0x4DBF
            or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3FFFF or 0x3005 or 0x3007)
            return Han;
        if (c > 0x10FFFF) return Common;
        var cat = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c);
        if (cat is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark) return Inherited;
        if (!System.Text.Rune.IsLetter(new System.Text.Rune(c))) return Common;
        if (c < 0x250 || c is >= 0x1E00 and <= 0x1EFF or >= 0xFF21 and <= 0xFF3A or >= 0xFF41 and <= 0xFF5A) return Latin;
        if (c is >= 0x370 and <= 0x3FF) return Greek;
        if (c is >= 0x400 and <= 0x52F) return Cyrillic;
        if (c is >= 0xAC00 and <= 0xD7AF or >= 0x1100 and <= 0x11FF or >= 0x3130 and <= 0x318F) return Hangul;
        return 100 + (c >> 7); // other scripts: one per 128-code-point block, good enough to keep them apart
    }
}
