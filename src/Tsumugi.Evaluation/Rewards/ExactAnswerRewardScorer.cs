namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Reward 1 when the response's final number (<see cref="FinalAnswer"/>) equals the reference's, else 0 — the
/// verifiable-answer reward for math prompts (GSM8K / MGSM style). The reference may be a bare answer ("12", "十二")
/// or a worked solution ending in it ("… #### 12"). A response without any number scores 0 (a wrong answer); a request
/// without a usable reference is a <see cref="RewardFailureKinds.BadReference"/> failure, since scoring it 0 would
/// teach the model that a right answer is wrong.
/// </summary>
public sealed class ExactAnswerRewardScorer : SynchronousRewardScorer
{
    public override string Name => "exact_answer";
    public override RewardTally Tally { get; } = new("exact_answer");

    protected override RewardScore Score(RewardRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.Reference))
            return RewardScore.Failed(r.Id, RewardFailureKinds.BadReference, "the request has no reference answer; exact_answer needs one per prompt");
        if (FinalAnswer.LastNumber(r.Reference) is not { } expected)
            return RewardScore.Failed(r.Id, RewardFailureKinds.BadReference,
                $"the reference '{Short(r.Reference)}' holds no number; exact_answer compares numbers (use regex or judge for text answers)");
        return RewardScore.Of(r.Id, FinalAnswer.LastNumber(r.Response) == expected ? 1 : 0);
    }

    static string Short(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
