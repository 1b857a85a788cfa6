namespace Tsumugi.Evaluation.Rewards;

/// <summary>The reward of one request: a finite <paramref name="Value"/>, or null with the <paramref name="Failure"/> that explains why.</summary>
public sealed record RewardScore(string Id, double? Value, RewardFailure? Failure)
{
    public static RewardScore Of(string id, double value) => new(id, value, null);

    public static RewardScore Failed(string id, string kind, string message) => new(id, null, new RewardFailure(kind, message));
}
