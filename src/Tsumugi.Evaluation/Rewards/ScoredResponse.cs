namespace Tsumugi.Evaluation.Rewards;

/// <summary>A sampled response with its reward (null when scoring failed).</summary>
public sealed record ScoredResponse(string Id, string Response, double? Score);
