namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// What a judge endpoint charges, in currency units per one million tokens (the unit API price lists use). Zero for
/// local servers such as <c>tsumugi serve</c>.
/// </summary>
public sealed record RewardPricing(double InputPerMillion, double OutputPerMillion)
{
    public static readonly RewardPricing Free = new(0, 0);

    public double Cost(long promptTokens, long completionTokens) =>
        (promptTokens * InputPerMillion + completionTokens * OutputPerMillion) / 1_000_000;
}
