using static TorchSharp.torch;

namespace Tsumugi.Training.Preference;

/// <summary>A micro-batch's preference loss: per pair (or per example for KTO), plus TRL's metrics.</summary>
/// <param name="Losses">[pairs] the loss of each pair, its NLL term (ORPO/CPO/SimPO) included, so <see cref="Sum"/> is what to backpropagate.</param>
/// <param name="NllLosses">[pairs] the chosen rows' NLL before weighting (detached), for the losses that have that term; else null.</param>
/// <param name="Metrics">Detached per-pair values under <see cref="PreferenceNames"/>; the logged value is each one's mean (a metric may cover fewer elements than there are pairs).</param>
public sealed record PreferenceLossOutput(Tensor Losses, Tensor? NllLosses, IReadOnlyDictionary<string, Tensor> Metrics)
{
    /// <summary>The sum of the per-pair losses (the caller divides by the step's pair count, as TRL's mean over the batch).</summary>
    public Tensor Sum() => Losses.sum();
}
