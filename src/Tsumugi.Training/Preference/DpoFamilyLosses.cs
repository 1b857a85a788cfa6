using static TorchSharp.torch;
using static Tsumugi.Training.Preference.LossMath;

namespace Tsumugi.Training.Preference;

/// <summary>
/// The per-pair losses of TRL's DPOTrainer (dpo_trainer.py @ f2cd5771). ρ = log πθ − log πref, s = the f-divergence
/// score of ρ, Δ = sc − sr, L = completion tokens clamped ≥ 1.
/// </summary>
internal static class DpoFamilyLosses
{
    /// <param name="p">The pairs with every tensor already cast to the loss dtype and the references present.</param>
    public static Tensor PerPair(PreferenceLossSettings s, PairLogProbs p, LossMath m)
    {
        var rhoC = Sub(p.PolicyChosen, p.ReferenceChosen!);
        var rhoR = Sub(p.PolicyRejected, p.ReferenceRejected!);
        var sc = FDivergenceScores.Of(rhoC, s, m);
        var sr = FDivergenceScores.Of(rhoR, s, m);
        var beta = m.C(s.Beta);
        var z = Sub(sc, sr).mul(beta);
        var halfOverBeta = m.C(1 / (2 * s.Beta));
        var one = m.C(1);
        var eps = s.LabelSmoothing;
        switch (s.LossType)
        {
            case PreferenceLossType.Sigmoid:
                // With label_smoothing ε this is conservative DPO (cDPO), as TRL's sigmoid computed it before ε moved
                // to robust/exo/aot only; RLHFlow's online recipe trains sigmoid with ε = 0.1. ε = 0 is plain DPO.
                return eps == 0 ? LogSigmoid(z).neg() : m.SmoothedLogistic(z, eps);
            case PreferenceLossType.Hinge:
                return Sub(one, z).relu();
            case PreferenceLossType.Ipo:
                return Sub(Sub(PerToken(sc, p.ChosenTokens), PerToken(sr, p.RejectedTokens)), halfOverBeta).square();
            case PreferenceLossType.ExoPair:
                // KL(q ‖ [1 − ε, ε]) with q = softmax over {chosen, rejected} of the scaled margins.
                var qw = Sub(LogSigmoid(z), m.C(Math.Log(1 - eps))).mul(z.sigmoid());
                var ql = Sub(LogSigmoid(z.neg()), m.C(Math.Log(eps))).mul(z.neg().sigmoid());
                return Add(qw, ql);
            case PreferenceLossType.NcaPair:
                var bc = sc.mul(beta);
                var half = m.C(0.5);
                return Sub(Sub(LogSigmoid(bc).neg(), LogSigmoid(bc.neg()).mul(half)), LogSigmoid(sr.mul(beta).neg()).mul(half));
            case PreferenceLossType.Robust:
                // Unbiased under labels flipped with probability ε (Chowdhury et al.): clean and flipped terms, rescaled.
                var clean = LogSigmoid(z).mul(m.C(eps - 1));
                var flipped = LogSigmoid(z.neg()).mul(m.C(eps));
                return Add(clean, flipped).div(m.C(1 - 2 * eps));
            case PreferenceLossType.BcoPair:
                return Sub(LogSigmoid(sc.mul(beta)).neg(), LogSigmoid(sr.mul(beta).neg()));
            case PreferenceLossType.SppoHard:
                return Add(Sub(sc, halfOverBeta).square(), Add(sr, halfOverBeta).square());
            case PreferenceLossType.Aot:
                // Sorting over the batch couples the pairs: pair i's loss is the i-th smallest margins' difference.
                var policyMargins = Sub(p.PolicyChosen, p.PolicyRejected).sort(0).Values;
                var referenceMargins = Sub(p.ReferenceChosen!, p.ReferenceRejected!).sort(0).Values;
                return m.SmoothedLogistic(Sub(policyMargins, referenceMargins).mul(beta), eps);
            case PreferenceLossType.AotUnpaired:
                return m.SmoothedLogistic(Sub(rhoC.sort(0).Values, rhoR.sort(0).Values).mul(beta), eps);
            case PreferenceLossType.ApoZero:
                return Add(Sub(one, rhoC.mul(beta).sigmoid()), rhoR.mul(beta).sigmoid());
            case PreferenceLossType.ApoDown:
                return Add(rhoC.mul(beta).sigmoid(), Sub(one, z.sigmoid()));
            case PreferenceLossType.Discopop:
                var modulation = z.div(m.C(s.DiscopopTau)).sigmoid();
                return Add(LogSigmoid(z).neg().mul(Sub(one, modulation)), z.neg().exp().mul(modulation));
            case PreferenceLossType.SigmoidNorm:
                return LogSigmoid(Sub(PerToken(sc, p.ChosenTokens), PerToken(sr, p.RejectedTokens)).mul(beta)).neg();
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.LossType, "not a DPO-family loss");
        }
    }

    /// <summary>A sequence score averaged over its completion tokens (ipo, sigmoid_norm; at least one token).</summary>
    public static Tensor PerToken(Tensor score, Tensor tokens) => score.div(tokens.clamp_min(Modeling.StableScalars.One));
}
