namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Scores sampled responses for online DPO. One call scores a whole batch (a script starts once, a judge runs its
/// requests concurrently) and returns one <see cref="RewardScore"/> per request, in request order. A response that
/// cannot be scored is a <see cref="RewardFailure"/> in its score, never an exception: one bad item must not lose an
/// iteration. Exceptions are left for cancellation and for misuse (a null list).
/// </summary>
public interface IRewardScorer
{
    /// <summary>What logs and the tally call this scorer (<c>regex</c>, <c>exact_answer</c>, <c>script</c>, <c>judge:MODEL</c>).</summary>
    string Name { get; }

    Task<IReadOnlyList<RewardScore>> ScoreAsync(IReadOnlyList<RewardRequest> requests, CancellationToken ct = default);

    /// <summary>Running totals over every batch this scorer has scored.</summary>
    RewardTally Tally { get; }
}
