using System.Globalization;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// Python's <c>str.strip()</c>, <c>str.split()</c> and <c>float()</c>, which llm-jp-eval, sacrebleu and rouge_score apply.
/// Python's whitespace (str.isspace) is .NET's plus U+001C–U+001F (bidirectional class B/S), so .NET's Trim and Split
/// would keep those in a token.
/// </summary>
public static class PythonText
{
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    public static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsSpace(text[start])) start++;
        while (end > start && IsSpace(text[end - 1])) end--;
        return text[start..end];
    }

    public static IReadOnlyList<string> Split(string text)
    {
        var parts = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && IsSpace(text[i])) i++;
            int start = i;
            while (i < text.Length && !IsSpace(text[i])) i++;
            if (i > start) parts.Add(text[start..i]);
        }
        return parts;
    }

    /// <summary>
    /// Python's <c>float(text)</c>: surrounding whitespace allowed, '_' between digits, inf/infinity/nan in any case;
    /// null where Python raises ValueError. (Python also reads non-ASCII digits; predictions are NFKC-normalised first,
    /// which turns full-width digits into ASCII.)
    /// </summary>
    public static double? Float(string text)
    {
        var s = Strip(text);
        if (s.Contains('_'))
        {
            for (int i = 0; i < s.Length; i++)
                if (s[i] == '_' && (i == 0 || i == s.Length - 1 || !char.IsAsciiDigit(s[i - 1]) || !char.IsAsciiDigit(s[i + 1]))) return null;
            s = s.Replace("_", "");
        }
        var unsigned = s.TrimStart('+', '-');
        if (unsigned.Length != s.Length - (s.Length > 0 && s[0] is '+' or '-' ? 1 : 0)) return null; // at most one sign
        bool negative = s.StartsWith('-');
        switch (unsigned.ToLowerInvariant())
        {
            case "inf" or "infinity": return negative ? double.NegativeInfinity : double.PositiveInfinity;
            case "nan": return double.NaN;
        }
        if (unsigned.Length == 0 || !unsigned.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')) return null;
        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
