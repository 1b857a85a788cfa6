using Tsumugi.Training.Preference;

namespace Tsumugi.Training.Tests.Preference;

/// <summary>
/// The preference losses written again, straight from the formulas in reference/post-training.md §1.2–2.3, on plain
/// doubles one pair at a time: the independent side the tensor implementation is checked against.
/// </summary>
static class ScalarPreferenceLosses
{
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double LogSigmoid(double x) => x >= 0 ? -Math.Log(1 + Math.Exp(-x)) : x - Math.Log(1 + Math.Exp(x));

    /// <summary>f_divergence_type's score of a log-ratio.</summary>
    public static double Score(double rho, PreferenceLossSettings s) => s.FDivergence switch
    {
        FDivergenceType.ReverseKl => rho,
        FDivergenceType.ForwardKl => -Math.Exp(-rho),
        FDivergenceType.JsDivergence => LogSigmoid(rho),
        _ when s.FAlphaDivergenceCoef == 1 => rho,
        _ => Math.Exp(Math.Min((s.FAlphaDivergenceCoef - 1) * rho, 80)) / (s.FAlphaDivergenceCoef - 1),
    };

    /// <summary>Per-pair losses of a batch (AOT sorts over it, sft averages over it), NLL term included.</summary>
    public static double[] Losses(PreferenceLossSettings s, PairSample b)
    {
        var n = b.Count;
        var result = new double[n];
        double beta = s.Beta, eps = s.LabelSmoothing;
        double Smoothed(double x) => -(1 - eps) * LogSigmoid(x) - eps * LogSigmoid(-x);

        double[] aotDelta = [];
        if (s.LossType == PreferenceLossType.Aot)
            aotDelta = Sorted(n, i => b.PolicyChosen[i] - b.PolicyRejected[i]).Zip(Sorted(n, i => b.ReferenceChosen[i] - b.ReferenceRejected[i]), (x, y) => x - y).ToArray();
        if (s.LossType == PreferenceLossType.AotUnpaired)
            aotDelta = Sorted(n, i => b.PolicyChosen[i] - b.ReferenceChosen[i]).Zip(Sorted(n, i => b.PolicyRejected[i] - b.ReferenceRejected[i]), (x, y) => x - y).ToArray();
        var sftMean = -b.PolicyChosen.Sum() / Math.Max(1, b.ChosenTokens.Sum());

        for (var i = 0; i < n; i++)
        {
            double rc = b.PolicyChosen[i] - b.ReferenceChosen[i], rr = b.PolicyRejected[i] - b.ReferenceRejected[i];
            double sc = Score(rc, s), sr = Score(rr, s), delta = sc - sr;
            double lc = Math.Max(1, b.ChosenTokens[i]), lr = Math.Max(1, b.RejectedTokens[i]);
            double avgC = b.PolicyChosen[i] / lc, avgR = b.PolicyRejected[i] / lr;
            result[i] = s.LossType switch
            {
                PreferenceLossType.Sigmoid => -(1 - eps) * LogSigmoid(beta * delta) - eps * LogSigmoid(-beta * delta),
                PreferenceLossType.Hinge => Math.Max(0, 1 - beta * delta),
                PreferenceLossType.Ipo => Math.Pow(sc / lc - sr / lr - 1 / (2 * beta), 2),
                PreferenceLossType.Robust => (-(1 - eps) * LogSigmoid(beta * delta) + eps * LogSigmoid(-beta * delta)) / (1 - 2 * eps),
                PreferenceLossType.ExoPair => Sigmoid(beta * delta) * (Math.Log(Sigmoid(beta * delta)) - Math.Log(1 - eps))
                    + Sigmoid(-beta * delta) * (Math.Log(Sigmoid(-beta * delta)) - Math.Log(eps)),
                PreferenceLossType.BcoPair => -LogSigmoid(beta * sc) - LogSigmoid(-beta * sr),
                PreferenceLossType.SppoHard => Math.Pow(sc - 1 / (2 * beta), 2) + Math.Pow(sr + 1 / (2 * beta), 2),
                PreferenceLossType.NcaPair => -LogSigmoid(beta * sc) - 0.5 * LogSigmoid(-beta * sc) - 0.5 * LogSigmoid(-beta * sr),
                PreferenceLossType.ApoZero => 1 - Sigmoid(beta * rc) + Sigmoid(beta * rr),
                PreferenceLossType.ApoDown => Sigmoid(beta * rc) + 1 - Sigmoid(beta * delta),
                PreferenceLossType.Aot or PreferenceLossType.AotUnpaired => Smoothed(beta * aotDelta[i]),
                PreferenceLossType.Discopop => Discopop(beta * delta, s.DiscopopTau),
                PreferenceLossType.Sft => sftMean,
                PreferenceLossType.SigmoidNorm => -LogSigmoid(beta * (sc / lc - sr / lr)),
                PreferenceLossType.Orpo => -beta * LogSigmoid(LogOdds(avgC, avgR)) + b.ChosenNll[i],
                PreferenceLossType.Simpo => Smoothed(beta * (avgC - avgR - s.SimpoGamma / beta)) + (s.CpoAlpha ?? 1.0) * b.ChosenNll[i],
                PreferenceLossType.Cpo => Smoothed(beta * (b.PolicyChosen[i] - b.PolicyRejected[i])) + (s.CpoAlpha ?? 1.0) * b.ChosenNll[i],
                _ => throw new ArgumentOutOfRangeException(nameof(s), s.LossType, "not a paired loss"),
            };
        }
        return result;
    }

    /// <summary>ORPO's lo = (ℓc − ℓr) − (log(1 − e^ℓc) − log(1 − e^ℓr)).</summary>
    public static double LogOdds(double chosen, double rejected) =>
        chosen - rejected - (Math.Log(1 - Math.Exp(chosen)) - Math.Log(1 - Math.Exp(rejected)));

    static double Discopop(double z, double tau)
    {
        var m = Sigmoid(z / tau);
        return (1 - m) * -LogSigmoid(z) + m * Math.Exp(-z);
    }

    static double[] Sorted(int n, Func<int, double> value) => Enumerable.Range(0, n).Select(value).Order().ToArray();

    /// <summary>KTO / apo_zero_unpaired per-example losses; z0 = max(0, mean(policyKl − referenceKl)) for kto.</summary>
    public static double[] KtoLosses(PreferenceLossSettings s, double[] policy, double[] reference, bool[] desirable, double[] policyKl, double[] referenceKl)
    {
        var z0 = s.LossType == PreferenceLossType.Kto ? Math.Max(0, policyKl.Zip(referenceKl, (p, r) => p - r).Average()) : 0;
        return policy.Select((p, i) =>
        {
            var rho = p - reference[i];
            if (s.LossType == PreferenceLossType.Kto)
                return desirable[i] ? s.DesirableWeight * (1 - Sigmoid(s.Beta * (rho - z0))) : s.UndesirableWeight * (1 - Sigmoid(s.Beta * (z0 - rho)));
            return desirable[i] ? s.DesirableWeight * (1 - Sigmoid(s.Beta * rho)) : s.UndesirableWeight * Sigmoid(s.Beta * rho);
        }).ToArray();
    }
}
