using System.Buffers;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// HojiChar DiscardTooManySpecialToken: fraction of punctuation, whitespace, listed symbols and emoji &gt; max_ratio →
/// reject (digits are not special).
/// </summary>
public sealed class SpecialCharsFilter(double maxRatio = 0.4) : IPipelineStep
{
    // Python's string.punctuation + string.whitespace + HojiChar's other_special_characters.
    const string Listed =
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\v\f" +
        "\u2002\u2003\u2009\u3000\u00A0\u2028’“”–▬…✦�\u00AD£\u200B•€«»°·═×士＾˘⇓（）§″′´¿−±∈\uFEFF¢ø‚„½¼¾¹²³―⁃，ˌ¸‹›ʺˈʻ¦‐⠀‰‑≤≥‖" +
        "◆●■►▼▲▴∆▻¡★☆✱ːº。¯˜¥ɪ≈†：⁄♡✓⊕․．⋅÷１‟；،、¨ाাी्े◦˚゜ʼ≖ʼ¤℃√！？【】‿∞➤～πه۩☛₨➩☻๑٪♥ıॽ《‘©﴿٬？▷Г♫∟™ª₪®「—❖」﴾》";

    static readonly SearchValues<char> Special = SearchValues.Create(Listed);

    public string Name => "special_chars";

    public string? Apply(Document doc)
    {
        var t = doc.Text.AsSpan();
        if (t.Length == 0) return null;
        int n = 0;
        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            if (Special.Contains(c)) n++;
            else if (char.IsHighSurrogate(c) && i + 1 < t.Length && IsEmoji(char.ConvertToUtf32(c, t[i + 1]))) n++;
        }
        double r = (double)n / t.Length;
        return r > maxRatio ? $"special-char ratio {r:F3} > {maxRatio}" : null;
    }

    static bool IsEmoji(int cp) => cp is (>= 0x1F300 and <= 0x1FAFF) or (>= 0x1F000 and <= 0x1F2FF);
}
