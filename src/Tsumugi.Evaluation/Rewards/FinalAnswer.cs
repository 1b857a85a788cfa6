using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// The final numeric answer of a Japanese response: the last number in the text, where a number may be written in
/// ASCII or full-width digits (１２), with thousands commas (3,000 / ３，０００) and a decimal point, or in Japanese
/// numerals — place-value (十二, 三千五百, 一万二千, 1万2千) or digit by digit (二〇二四) — with 〇/零 for zero.
/// "答えは１２です" → 12, "答え：十二" → 12, "合計3,000円" → 3000. Like the harness's MGSM rule, only the last number
/// counts. Kanji numerals inside words (一番, 十分) are numbers too, so an answer stated last scores reliably.
/// </summary>
public static partial class FinalAnswer
{
    /// <summary>The last number in <paramref name="text"/>, or null when there is none (or the last one is malformed, e.g. 1.2.3).</summary>
    public static decimal? LastNumber(string text)
    {
        var matches = Number().Matches(Narrow(text));
        return matches.Count == 0 ? null : Parse(matches[^1].Value);
    }

    /// <summary>One number token as <see cref="Number"/> finds it: ASCII or kanji, commas allowed, optional leading minus.</summary>
    public static decimal? Parse(string token)
    {
        var text = token.Replace(",", "");
        bool negative = text.StartsWith('-');
        if (negative) text = text[1..];
        decimal? value = text.All(c => c is >= '0' and <= '9' or '.')
            ? decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) ? d : null
            : KanjiNumeral.Parse(text);
        return negative ? -value : value;
    }

    /// <summary>Full-width digits, comma, point and minus signs to ASCII; everything else as it is.</summary>
    static string Narrow(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
            sb.Append(c switch
            {
                >= '０' and <= '９' => (char)('0' + (c - '０')),
                '，' => ',',
                '．' => '.',
                '－' or '−' => '-',
                _ => c,
            });
        return sb.ToString();
    }

    // A minus only where it cannot be a hyphen (GPT-4, 1-2); a comma or point only between digits, so "12。" and
    // "12, 13" end the number.
    [GeneratedRegex(@"(?:(?<![0-9A-Za-z])-)?[0-9〇零一二三四五六七八九十百千万億兆](?:[0-9〇零一二三四五六七八九十百千万億兆]|[,.](?=[0-9]))*")]
    private static partial Regex Number();
}
