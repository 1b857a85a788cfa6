namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// One response to score: an id the caller matches scores by, the prompt it answers, the response, and the expected
/// answer when the data has one (rule scorers compare against it; a judge template may show it).
/// </summary>
public sealed record RewardRequest(string Id, string Prompt, string Response, string? Reference);
