using System.Globalization;
using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Pulls the rating out of a judge's answer as FastChat does: the first <c>[[x]]</c>, else the first <c>[x]</c>
/// (judges that drop one bracket), x a non-negative decimal. No match is a failure (FastChat's -1), never a guess.
/// </summary>
public static partial class VerdictParser
{
    [GeneratedRegex(@"\[\[(\d+\.?\d*)\]\]")]
    private static partial Regex DoubleBracket();

    [GeneratedRegex(@"\[(\d+\.?\d*)\]")]
    private static partial Regex SingleBracket();

    /// <summary>The rating, or null when the text holds no verdict.</summary>
    public static double? Parse(string? judgeOutput)
    {
        if (string.IsNullOrEmpty(judgeOutput)) return null;
        var match = DoubleBracket().Match(judgeOutput);
        if (!match.Success) match = SingleBracket().Match(judgeOutput);
        return match.Success ? double.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
    }
}
