namespace Tsumugi.Corpus.Text;

/// <summary>Unicode script tests used by filters and routing (Swallow's definitions of Japanese letters).</summary>
public static class CharClass
{
    public static bool IsHiragana(char c) => c is >= '\u3041' and <= '\u309F';
    public static bool IsKatakana(char c) => c is (>= '\u30A0' and <= '\u30FF') or (>= '\u31F0' and <= '\u31FF') or (>= '\uFF66' and <= '\uFF9F');
    public static bool IsKanji(char c) => c is (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uF900' and <= '\uFAFF') or '々' or '〇' or '〻';
    public static bool IsKana(char c) => IsHiragana(c) || IsKatakana(c);
    public static bool IsKutenToten(char c) => c is '。' or '．' or '！' or '？' or '、' or '，';
    public static bool IsJapanese(char c) => IsKana(c) || IsKanji(c) || IsKutenToten(c);
    public static bool IsLatin(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') || (c is >= '\u00C0' and <= '\u024F' && char.IsLetter(c));

    /// <summary>Script class used to cut Japanese text into pseudo-words (runs of one script) without a morphological analyser.</summary>
    public static int ScriptOf(char c)
    {
        if (IsHiragana(c)) return 1;
        if (IsKatakana(c)) return 2;
        if (IsKanji(c)) return 3;
        if (char.IsLetterOrDigit(c)) return 4;
        if (char.IsWhiteSpace(c)) return 0;
        return 5;
    }
}
