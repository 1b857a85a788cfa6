using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// gsm8k.yaml's two filter pipelines (lm_eval/filters/extraction.py RegexFilter, then take_first). strict-match takes
/// the first <c>#### (\-?[0-9\.\,]+)</c>; flexible-extract takes the <em>last</em> match of
/// <c>(-?[$0-9.,]{2,})|(-?[0-9]+)</c> (group_select −1), its first non-empty group. Matches are stripped; no match is
/// the harness's fallback "[invalid]".
/// </summary>
public static partial class Gsm8kAnswer
{
    public const string StrictMetric = "exact_match,strict-match";
    public const string FlexibleMetric = "exact_match,flexible-extract";
    public const string Invalid = "[invalid]";

    [GeneratedRegex(@"#### (\-?[0-9\.\,]+)")]
    private static partial Regex StrictPattern();

    [GeneratedRegex(@"(-?[$0-9.,]{2,})|(-?[0-9]+)")]
    private static partial Regex FlexiblePattern();

    public static string Strict(string generated)
    {
        var m = StrictPattern().Match(generated);
        return m.Success ? m.Groups[1].Value.Trim() : Invalid;
    }

    public static string Flexible(string generated)
    {
        var matches = FlexiblePattern().Matches(generated);
        if (matches.Count == 0) return Invalid;
        var last = matches[^1];
        // re.findall returns a tuple of groups; the filter keeps the first non-empty one.
        var group = last.Groups[1].Success && last.Groups[1].Length > 0 ? last.Groups[1].Value
            : last.Groups[2].Success && last.Groups[2].Length > 0 ? last.Groups[2].Value : null;
        return group is null ? Invalid : group.Trim();
    }
}
