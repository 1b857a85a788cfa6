using static TorchSharp.torch;
using static Tsumugi.Training.Preference.LossMath;

namespace Tsumugi.Training.Preference;

/// <summary>
/// TRL's paired preference losses as tensor functions: log-probs in, per-pair losses (with gradients) and TRL's
/// metrics out. Tensors are computed in fp32 (fp64 inputs stay fp64) in the caller's dispose scope.
/// </summary>
public static class PreferenceLoss
{
    public static PreferenceLossOutput Compute(PreferenceLossSettings s, PairLogProbs p)
    {
        if (s.IsUnpaired)
            throw new ArgumentException($"loss_type {PreferenceLossSettings.Name(s.LossType)} scores unpaired examples: use KtoLoss.Compute");
        var m = LossMath.For(p.PolicyChosen);
        var pairs = Checked(s, p, m);

        if (s.RequiresReference)
        {
            var losses = DpoFamilyLosses.PerPair(s, pairs, m);
            var beta = m.C(s.Beta);
            var chosenRewards = Sub(pairs.PolicyChosen, pairs.ReferenceChosen!).mul(beta).detach();
            var rejectedRewards = Sub(pairs.PolicyRejected, pairs.ReferenceRejected!).mul(beta).detach();
            return new PreferenceLossOutput(losses, null, Metrics(chosenRewards, rejectedRewards, pairs.PolicyChosen, pairs.PolicyRejected, m));
        }

        var chosen = s.LengthNormalized ? DpoFamilyLosses.PerToken(pairs.PolicyChosen, pairs.ChosenTokens) : pairs.PolicyChosen;
        var rejected = s.LengthNormalized ? DpoFamilyLosses.PerToken(pairs.PolicyRejected, pairs.RejectedTokens) : pairs.PolicyRejected;
        var preference = ReferenceFreeLosses.PerPair(s, pairs, chosen, rejected, m, out var extra);
        // TRL's reference-free rewards: β times the (length-averaged) policy log-probs, which it also logs as logps/*.
        var metrics = Metrics(chosen.mul(m.C(s.Beta)).detach(), rejected.mul(m.C(s.Beta)).detach(), chosen, rejected, m);
        foreach (var (name, value) in extra) metrics[name] = value;
        if (s.NllWeight == 0) return new PreferenceLossOutput(preference, null, metrics);

        var nll = pairs.ChosenNll!;
        metrics[PreferenceNames.NllLoss] = nll.detach();
        return new PreferenceLossOutput(Add(preference, nll.mul(m.C(s.NllWeight))), nll.detach(), metrics);
    }

    static Dictionary<string, Tensor> Metrics(Tensor chosenRewards, Tensor rejectedRewards, Tensor chosenLogps, Tensor rejectedLogps, LossMath m) => new()
    {
        [PreferenceNames.RewardsChosen] = chosenRewards,
        [PreferenceNames.RewardsRejected] = rejectedRewards,
        [PreferenceNames.RewardsAccuracies] = chosenRewards.gt(rejectedRewards).to(m.DType),
        [PreferenceNames.RewardsMargins] = Sub(chosenRewards, rejectedRewards),
        [PreferenceNames.LogpsChosen] = chosenLogps.detach(),
        [PreferenceNames.LogpsRejected] = rejectedLogps.detach(),
    };

    /// <summary>The pairs in the loss dtype, after checking that what the loss needs is there and every tensor is [pairs].</summary>
    static PairLogProbs Checked(PreferenceLossSettings s, PairLogProbs p, LossMath m)
    {
        var loss = PreferenceLossSettings.Name(s.LossType);
        if (p.PolicyChosen.ndim != 1) throw new ArgumentException($"PolicyChosen must be [pairs], not [{string.Join(", ", p.PolicyChosen.shape)}]");
        var n = p.PolicyChosen.shape[0];
        void Same(Tensor? t, string name)
        {
            if (t is not null && (t.ndim != 1 || t.shape[0] != n))
                throw new ArgumentException($"{name} must be [{n}] like PolicyChosen, not [{string.Join(", ", t.shape)}]");
        }
        Same(p.PolicyRejected, nameof(p.PolicyRejected));
        Same(p.ChosenTokens, nameof(p.ChosenTokens));
        Same(p.RejectedTokens, nameof(p.RejectedTokens));
        Same(p.ReferenceChosen, nameof(p.ReferenceChosen));
        Same(p.ReferenceRejected, nameof(p.ReferenceRejected));
        Same(p.ChosenNll, nameof(p.ChosenNll));
        if (s.RequiresReference && (p.ReferenceChosen is null || p.ReferenceRejected is null))
            throw new ArgumentException($"loss_type {loss} needs the reference model's log-probs (ReferenceChosen and ReferenceRejected)");
        if (s.NllWeight > 0 && p.ChosenNll is null)
            throw new ArgumentException($"loss_type {loss} adds the chosen rows' NLL (weight {s.NllWeight}): ChosenNll is required");
        return new PairLogProbs(m.Cast(p.PolicyChosen), m.Cast(p.PolicyRejected), m.Cast(p.ChosenTokens), m.Cast(p.RejectedTokens),
            s.RequiresReference ? m.Cast(p.ReferenceChosen!) : null, s.RequiresReference ? m.Cast(p.ReferenceRejected!) : null,
            s.NllWeight > 0 ? m.Cast(p.ChosenNll!) : null);
    }
}
