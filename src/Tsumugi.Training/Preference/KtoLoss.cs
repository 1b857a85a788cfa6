using static TorchSharp.torch;
using static Tsumugi.Training.Preference.LossMath;

namespace Tsumugi.Training.Preference;

/// <summary>
/// TRL's KTOTrainer losses on unpaired examples (kto_trainer.py @ f2cd5771), ρ = log πθ − log πref of each completion:
/// <list type="bullet">
/// <item>kto: z0 = max(0, mean(policyKl − referenceKl)) without gradient; desirable 1 − σ(β(ρ − z0)), undesirable
///   1 − σ(β(z0 − ρ));</item>
/// <item>apo_zero_unpaired: no KL term; desirable 1 − σ(βρ), undesirable σ(βρ);</item>
/// </list>
/// each times desirable_weight or undesirable_weight.
/// </summary>
public static class KtoLoss
{
    /// <param name="s">Settings with loss_type kto or apo_zero_unpaired.</param>
    /// <param name="policy">[n] the policy's summed completion log-probs (with gradients).</param>
    /// <param name="reference">[n] the reference model's.</param>
    /// <param name="desirable">[n] bool: the example's label.</param>
    /// <param name="policyKl">[m] the policy's log-probs of the mismatched KL completions (each prompt with the previous example's completion).</param>
    /// <param name="referenceKl">[m] the reference's log-probs of the same.</param>
    public static KtoLossOutput Compute(PreferenceLossSettings s, Tensor policy, Tensor reference, Tensor desirable, Tensor policyKl, Tensor referenceKl)
    {
        if (!s.IsUnpaired)
            throw new ArgumentException($"loss_type {PreferenceLossSettings.Name(s.LossType)} scores pairs: use PreferenceLoss.Compute");
        var m = LossMath.For(policy);
        if (policy.ndim != 1 || reference.shape.SequenceEqual(policy.shape) is false || desirable.shape.SequenceEqual(policy.shape) is false)
            throw new ArgumentException($"policy, reference and desirable must all be [n], not [{string.Join(", ", policy.shape)}], [{string.Join(", ", reference.shape)}], [{string.Join(", ", desirable.shape)}]");
        if (desirable.dtype != ScalarType.Bool) throw new ArgumentException($"desirable must be a bool tensor, not {desirable.dtype}");
        policy = m.Cast(policy);
        var beta = m.C(s.Beta);
        var rho = Sub(policy, m.Cast(reference));

        Tensor kl, desirableLoss, undesirableLoss;
        if (s.LossType == PreferenceLossType.Kto)
        {
            if (policyKl.ndim != 1 || !policyKl.shape.SequenceEqual(referenceKl.shape))
                throw new ArgumentException($"policyKl and referenceKl must both be [m], not [{string.Join(", ", policyKl.shape)}] and [{string.Join(", ", referenceKl.shape)}]");
            // The KL baseline is a constant of the step: no gradient flows into the mismatched completions.
            kl = Sub(m.Cast(policyKl), m.Cast(referenceKl)).mean().detach().relu(); // clamped ≥ 0
            desirableLoss = Sub(m.C(1), Sub(rho, kl).mul(beta).sigmoid());
            undesirableLoss = Sub(m.C(1), Sub(kl, rho).mul(beta).sigmoid());
        }
        else
        {
            kl = m.C(0);
            desirableLoss = Sub(m.C(1), rho.mul(beta).sigmoid());
            undesirableLoss = rho.mul(beta).sigmoid();
        }
        var losses = where(desirable, desirableLoss.mul(m.C(s.DesirableWeight)), undesirableLoss.mul(m.C(s.UndesirableWeight)));
        var rewards = rho.mul(beta).detach();

        var undesirable = desirable.logical_not();
        var chosenRewards = rewards.masked_select(desirable);
        var rejectedRewards = rewards.masked_select(undesirable);
        var metrics = new Dictionary<string, Tensor>
        {
            [PreferenceNames.RewardsChosen] = chosenRewards,
            [PreferenceNames.RewardsRejected] = rejectedRewards,
            [PreferenceNames.LogpsChosen] = policy.detach().masked_select(desirable),
            [PreferenceNames.LogpsRejected] = policy.detach().masked_select(undesirable),
            [PreferenceNames.Kl] = kl,
        };
        // TRL logs the margin as mean chosen reward − mean rejected reward, only when the batch has both kinds.
        if (chosenRewards.numel() > 0 && rejectedRewards.numel() > 0)
            metrics[PreferenceNames.RewardsMargins] = Sub(chosenRewards.mean(), rejectedRewards.mean());
        return new KtoLossOutput(losses, rewards, kl, metrics);
    }
}
