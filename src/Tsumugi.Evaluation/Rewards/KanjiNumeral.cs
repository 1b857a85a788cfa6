namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Japanese numerals, possibly mixed with ASCII digits: place-value (十二 = 12, 三千五百 = 3500, 二億三千万 = 230000000,
/// 1万2千 = 12000) and digit-by-digit (二〇二四 = 2024). A digit run before 十/百/千 multiplies it (omitted: 1); 万/億/兆
/// multiply everything since the previous one of them.
/// </summary>
internal static class KanjiNumeral
{
    public static decimal? Parse(string text)
    {
        try
        {
            decimal total = 0, section = 0;
            var digits = new System.Text.StringBuilder();
            foreach (var c in text)
            {
                if (Digit(c) is { } d) { digits.Append(d); continue; }
                if (SmallUnit(c) is { } small)
                {
                    if (Value(digits) is not { } m) return null;
                    section += (digits.Length == 0 ? 1 : m) * small;
                }
                else if (LargeUnit(c) is { } large)
                {
                    if (Value(digits) is not { } m) return null;
                    var n = section + m;
                    total += (n == 0 && digits.Length == 0 ? 1 : n) * large;
                    section = 0;
                }
                else return null;
                digits.Clear();
            }
            return Value(digits) is { } rest ? total + section + rest : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>The digit run's value (0 when empty), or null when it is malformed (two decimal points).</summary>
    static decimal? Value(System.Text.StringBuilder digits) =>
        digits.Length == 0 ? 0
        : decimal.TryParse(digits.ToString(), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
        : null;

    static char? Digit(char c) => c switch
    {
        >= '0' and <= '9' or '.' => c,
        '〇' or '零' => '0',
        '一' => '1', '二' => '2', '三' => '3', '四' => '4', '五' => '5', '六' => '6', '七' => '7', '八' => '8', '九' => '9',
        _ => null,
    };

    static decimal? SmallUnit(char c) => c switch { '十' => 10, '百' => 100, '千' => 1000, _ => null };

    static decimal? LargeUnit(char c) => c switch { '万' => 10_000m, '億' => 100_000_000m, '兆' => 1_000_000_000_000m, _ => null };
}
