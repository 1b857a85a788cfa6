namespace Tsumugi.Training.Objectives;

/// <summary>
/// What an objective reports for one optimizer step: <see cref="Loss"/> is what the spike guard judges and
/// metrics.jsonl logs as <c>loss</c>; the rest is logged beside it when present.
/// </summary>
/// <param name="Loss">The step's objective value (cross-entropy in nats/token for causal LM).</param>
/// <param name="ZLoss">The z-loss term, when it is on.</param>
/// <param name="DomainLoss">The loss per data domain of the step's rows (empty when the objective has no domains).</param>
/// <param name="RouterAuxLoss">MoE: the load-balancing loss, averaged over the step's micro-batches.</param>
/// <param name="ExpertShare">MoE: per layer, each expert's share of the step's top-k router choices (sums to 1).</param>
public sealed record StepLoss(double Loss, double? ZLoss, IReadOnlyDictionary<string, double> DomainLoss,
    double? RouterAuxLoss = null, IReadOnlyList<double[]>? ExpertShare = null)
{
    /// <summary>Further named values the objective logs (preference runs: TRL's <c>rewards/chosen</c>, <c>logps/rejected</c>, …).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>
    /// What <see cref="DomainLoss"/> was divided from: each domain's summed loss and scored tokens, so data-parallel
    /// ranks can add theirs before dividing (a mean of the ranks' means would weight them wrongly).
    /// </summary>
    public IReadOnlyDictionary<string, (double Loss, long Tokens)>? DomainSums { get; init; }
}
