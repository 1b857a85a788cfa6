using static TorchSharp.torch;
using static Tsumugi.Training.Preference.LossMath;

namespace Tsumugi.Training.Preference;

/// <summary>
/// The losses without a reference model: ORPO (orpo_trainer.py), CPO and SimPO (cpo_trainer.py), and the DPO trainer's
/// sft. ℓ is the policy's completion log-prob, averaged over completion tokens for ORPO and SimPO.
/// </summary>
internal static class ReferenceFreeLosses
{
    /// <summary>The per-pair preference term, without the NLL term <see cref="PreferenceLoss"/> adds.</summary>
    public static Tensor PerPair(PreferenceLossSettings s, PairLogProbs p, Tensor chosen, Tensor rejected, LossMath m, out IReadOnlyDictionary<string, Tensor> extraMetrics)
    {
        extraMetrics = new Dictionary<string, Tensor>();
        var beta = m.C(s.Beta);
        switch (s.LossType)
        {
            case PreferenceLossType.Orpo:
                // log odds(ℓ) = ℓ − log(1 − e^ℓ): the odds of the (length-averaged) answer probability.
                var logOdds = Sub(Sub(chosen, rejected), Sub(m.Log1mexp(chosen), m.Log1mexp(rejected)));
                var ratio = LogSigmoid(logOdds);
                extraMetrics = new Dictionary<string, Tensor>
                {
                    [PreferenceNames.LogOddsRatio] = ratio.detach(),
                    [PreferenceNames.LogOddsChosen] = logOdds.detach(),
                };
                return ratio.mul(beta).neg();
            case PreferenceLossType.Simpo:
                // z − γ/β inside σ(β·): −log σ(β(ℓ̄c − ℓ̄r) − γ) at ε = 0.
                return m.SmoothedLogistic(Sub(Sub(chosen, rejected), m.C(s.SimpoGamma / s.Beta)).mul(beta), s.LabelSmoothing);
            case PreferenceLossType.Cpo:
                return m.SmoothedLogistic(Sub(chosen, rejected).mul(beta), s.LabelSmoothing);
            case PreferenceLossType.Sft:
                // TRL: one cross-entropy over all chosen completion tokens of the batch, repeated for every pair.
                var mean = p.PolicyChosen.sum().neg().div(p.ChosenTokens.sum().clamp_min(Modeling.StableScalars.One));
                return mean.expand(p.PolicyChosen.shape);
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.LossType, "not a reference-free loss");
        }
    }
}
