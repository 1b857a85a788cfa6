using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Reward 1 when the response matches <paramref name="pattern"/> (.NET syntax; inline options such as <c>(?s)</c>
/// work), else 0 — a format check such as "ends with 答え：N". With <paramref name="fullMatch"/> the whole response
/// must match, as Python's <c>re.fullmatch</c>. A match that runs past the regex timeout (catastrophic backtracking on
/// a long sample) is a failure, not a stalled iteration.
/// </summary>
public sealed class RegexRewardScorer : SynchronousRewardScorer
{
    static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    readonly Regex _regex;

    /// <exception cref="ArgumentException">The pattern does not compile; the message says where.</exception>
    public RegexRewardScorer(string pattern, bool fullMatch = false)
    {
        // \A(?:…)\z rather than ^…$: $ also matches before a final newline, and a full match must cover all of it.
        _regex = new Regex(fullMatch ? $@"\A(?:{pattern})\z" : pattern, RegexOptions.CultureInvariant, MatchTimeout);
        Pattern = pattern;
        FullMatch = fullMatch;
        Tally = new RewardTally(Name);
    }

    public string Pattern { get; }
    public bool FullMatch { get; }
    public override string Name => "regex";
    public override RewardTally Tally { get; }

    protected override RewardScore Score(RewardRequest request)
    {
        try
        {
            return RewardScore.Of(request.Id, _regex.IsMatch(request.Response) ? 1 : 0);
        }
        catch (RegexMatchTimeoutException)
        {
            return RewardScore.Failed(request.Id, RewardFailureKinds.RegexTimeout,
                $"matching '{Pattern}' took over {MatchTimeout.TotalSeconds:0} s on a {request.Response.Length}-character response; simplify the pattern");
        }
    }
}
