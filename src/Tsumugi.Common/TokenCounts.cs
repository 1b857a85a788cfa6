using System.Globalization;

namespace Tsumugi.Common;

/// <summary>Token counts written as 500000000, 500M, 1.5B or 2T (decimal SI: K=10³, M=10⁶, B=10⁹, T=10¹²).</summary>
public static class TokenCounts
{
    public static bool TryParse(string text, out long value)
    {
        value = 0;
        text = text.Replace("_", "").Trim();
        if (text.Length == 0) return false;
        var scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1e3, 'M' => 1e6, 'B' or 'G' => 1e9, 'T' => 1e12, _ => 0 };
        if (scale == 0) return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number)) return false;
        var scaled = Math.Round(number * scale);
        if (scaled is < 0 or > long.MaxValue / 2) return false;
        value = (long)scaled;
        return true;
    }

    /// <summary>Short human form: 1.50B, 300M, 12.3K.</summary>
    public static string Format(double tokens) => tokens switch
    {
        >= 1e12 => (tokens / 1e12).ToString("0.##", CultureInfo.InvariantCulture) + "T",
        >= 1e9 => (tokens / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1e6 => (tokens / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (tokens / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "K",
        _ => tokens.ToString("0", CultureInfo.InvariantCulture),
    };
}
