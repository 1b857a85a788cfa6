namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One pairwise match as FastChat records it: <paramref name="Model1"/> against <paramref name="Model2"/> on one
/// (question, turn), judged twice — g1 with model 1 shown as assistant A, g2 with the positions swapped. Each game's
/// winner is in model terms (<see cref="PairwiseOutcome.Model1"/>, <see cref="PairwiseOutcome.Model2"/>,
/// <see cref="PairwiseOutcome.Tie"/>, or null when the judge gave no verdict), and <see cref="Winner"/> combines them by
/// <see cref="PairwiseOutcome.Combine"/>. A match with a failed game has no winner, carries the failure kind and error,
/// and is left out of every count.
/// </summary>
public sealed record PairwiseJudgment(
    string QuestionId, string Category, int Turn, string Model1, string Model2, string JudgePromptName,
    string? G1Winner, string? G2Winner, string? G1Output, string? G2Output,
    string? Failure, string? Error, int JudgeAttempts, int NoVerdictReplies)
{
    public string? Winner => Failure is null ? PairwiseOutcome.Combine(G1Winner!, G2Winner!) : null;
}
