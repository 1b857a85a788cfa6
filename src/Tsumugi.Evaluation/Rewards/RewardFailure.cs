namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Why a response has no reward: a short kind that the tally counts (<see cref="RewardFailureKinds"/>) and a message
/// for the log (the script's stderr tail, the judge's reply, the HTTP error).
/// </summary>
public sealed record RewardFailure(string Kind, string Message);
