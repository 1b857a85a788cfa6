using static TorchSharp.torch;

namespace Tsumugi.Training.Preference;

/// <summary>TRL's f-divergence scores of the log-ratios (dpo_trainer.py): what the DPO-family losses compare.</summary>
internal static class FDivergenceScores
{
    /// <summary>TRL clamps the alpha-divergence exponent here in fp32 (and bf16) so exp stays finite.</summary>
    const double AlphaExponentMax = 80;

    public static Tensor Of(Tensor logRatio, PreferenceLossSettings s, LossMath m)
    {
        switch (s.FDivergence)
        {
            case FDivergenceType.ReverseKl:
                return logRatio;
            case FDivergenceType.ForwardKl:
                return logRatio.neg().exp().neg();
            case FDivergenceType.JsDivergence:
                return LossMath.LogSigmoid(logRatio);
            case FDivergenceType.AlphaDivergence:
                var alphaMinusOne = s.FAlphaDivergenceCoef - 1;
                // f'(t) = (t^(α−1) − 1)/(α − 1) tends to log t as α → 1: TRL falls back to the reverse KL there.
                if (Math.Abs(alphaMinusOne) < 1e-6) return logRatio;
                return logRatio.mul(m.C(alphaMinusOne)).minimum(m.C(AlphaExponentMax)).exp().mul(m.C(1 / alphaMinusOne));
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.FDivergence, "unknown f_divergence_type");
        }
    }
}
