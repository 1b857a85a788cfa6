namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// A scorer that decides each request on its own, in process and at once (no model, no I/O): the batch is a plain
/// loop, tallied as it goes. Subclasses only say how one request scores.
/// </summary>
public abstract class SynchronousRewardScorer : IRewardScorer
{
    public abstract string Name { get; }
    public abstract RewardTally Tally { get; }

    public Task<IReadOnlyList<RewardScore>> ScoreAsync(IReadOnlyList<RewardRequest> requests, CancellationToken ct = default)
    {
        var scores = new RewardScore[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            scores[i] = Score(requests[i]);
            Tally.Record(scores[i]);
        }
        return Task.FromResult<IReadOnlyList<RewardScore>>(scores);
    }

    protected abstract RewardScore Score(RewardRequest request);
}
