using static TorchSharp.torch;

namespace Tsumugi.Training.Preference;

/// <summary>KTO's (or apo_zero_unpaired's) loss over a micro-batch of unpaired examples.</summary>
/// <param name="Losses">[n] each example's weighted loss, in input order (TRL concatenates desirable then undesirable; the mean is the same).</param>
/// <param name="Rewards">[n] β·ρ per example (detached).</param>
/// <param name="Kl">The clamped, detached KL estimate z0 (a scalar; 0 for apo_zero_unpaired).</param>
/// <param name="Metrics">Detached, under <see cref="PreferenceNames"/>: the chosen metrics cover the desirable examples only and the rejected ones the undesirable only.</param>
public sealed record KtoLossOutput(Tensor Losses, Tensor Rewards, Tensor Kl, IReadOnlyDictionary<string, Tensor> Metrics);
