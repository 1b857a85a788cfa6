namespace Tsumugi.Evaluation.Rewards;

/// <summary>One preference pair for DPO: <see cref="Chosen"/> scored strictly higher than <see cref="Rejected"/>.</summary>
public sealed record ScoredPair(ScoredResponse Chosen, ScoredResponse Rejected)
{
    /// <summary>Chosen score minus rejected score (&gt; 0): RLHFlow's <c>margin</c> column before scaling.</summary>
    public double Margin => Chosen.Score!.Value - Rejected.Score!.Value;
}
