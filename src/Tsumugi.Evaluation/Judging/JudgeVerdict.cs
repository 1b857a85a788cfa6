namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// What the judge said about one answer: the score (null on failure), the judge's raw text (kept even without a
/// verdict, for auditing), the failure kind (<see cref="JudgeFailure"/>), the last error message, and how many
/// requests it took, the tokens the endpoint reported over all those requests (0 when it reports no usage), and how
/// many of the judge's answers had no verdict (retried ones included: a verdict on the second try still counts one).
/// </summary>
public sealed record JudgeVerdict(double? Score, string? Output, string? Failure, string? Error, int Attempts,
    long PromptTokens = 0, long CompletionTokens = 0, int NoVerdictReplies = 0);
