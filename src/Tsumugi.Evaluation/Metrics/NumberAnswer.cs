using System.Globalization;
using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// MGSM-style numeric answers (JP LM Evaluation Harness `mgsm.py`): the answer is the last match of <c>-?[0-9.,]+</c>,
/// with surrounding periods stripped and thousands commas removed, compared as a number. "答えは1,200です。" → 1200.
/// </summary>
public static partial class NumberAnswer
{
    public static decimal? Extract(string text)
    {
        var matches = Number().Matches(text);
        if (matches.Count == 0) return null;
        // Only the last match counts, as in the harness: a trailing "..." makes the answer invalid rather than
        // silently falling back to an earlier number.
        var candidate = matches[^1].Value.Trim('.').Replace(",", "");
        return decimal.TryParse(candidate, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value : null;
    }

    /// <summary>1 when both strings yield the same number, else 0 (also when the prediction has none).</summary>
    public static double Score(string prediction, string gold) =>
        Extract(prediction) is { } p && Extract(gold) is { } g && p == g ? 1 : 0;

    [GeneratedRegex(@"-?[0-9.,]+")]
    private static partial Regex Number();
}
