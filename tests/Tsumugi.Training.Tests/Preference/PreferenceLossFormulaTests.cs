using Tsumugi.Training.Preference;
using static TorchSharp.torch;
using static Tsumugi.Training.Preference.PreferenceLossType;

namespace Tsumugi.Training.Tests.Preference;

/// <summary>
/// Every paired loss type (and every f-divergence on the losses built on scores) against the scalar formulas of
/// post-training.md on random log-probs: the per-pair losses, and the autograd gradients w.r.t. the policy's chosen and
/// rejected log-probs against central finite differences of the scalar formula.
/// </summary>
public class PreferenceLossFormulaTests
{
    public static TheoryData<PreferenceLossType, FDivergenceType> Cases()
    {
        var data = new TheoryData<PreferenceLossType, FDivergenceType>();
        foreach (var type in Enum.GetValues<PreferenceLossType>().Where(t => t is not (Kto or ApoZeroUnpaired)))
        {
            data.Add(type, FDivergenceType.ReverseKl);
            if (Case(type, FDivergenceType.ReverseKl).UsesScores)
                foreach (var f in new[] { FDivergenceType.ForwardKl, FDivergenceType.JsDivergence, FDivergenceType.AlphaDivergence })
                    data.Add(type, f);
        }
        return data;
    }

    /// <summary>Settings with every parameter the loss reads moved off its default, so a parameter mix-up shows.</summary>
    internal static PreferenceLossSettings Case(PreferenceLossType type, FDivergenceType f) => new()
    {
        LossType = type,
        Beta = 0.3,
        FDivergence = f,
        FAlphaDivergenceCoef = f == FDivergenceType.AlphaDivergence ? 0.3 : 0.5,
        LabelSmoothing = type switch { Sigmoid => 0.1, Robust => 0.2, ExoPair => 0.1, Aot or AotUnpaired => 0.15, Cpo => 0.1, Simpo => 0.05, _ => 0 },
        SimpoGamma = type == Simpo ? 0.8 : 0.5,
        CpoAlpha = type switch { Simpo => 0.7, Cpo => 0.4, _ => null },
        DiscopopTau = type == Discopop ? 0.2 : 0.05,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Losses_MatchTheScalarFormula(PreferenceLossType type, FDivergenceType f)
    {
        using var scope = NewDisposeScope();
        var s = Case(type, f);
        s.Validate();
        var sample = PairSample.Random(seed: 100 + (int)type * 4 + (int)f);
        var output = PreferenceLoss.Compute(s, sample.Tensors());

        var expected = ScalarPreferenceLosses.Losses(s, sample);
        var actual = PairSample.Values(output.Losses);
        Assert.Equal(sample.Count, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * (1 + Math.Abs(expected[i])), $"pair {i}: formula {expected[i]}, tensors {actual[i]}");
        Assert.Equal(expected.Sum(), output.Sum().item<double>(), 8);
    }

    /// <summary>Plain DPO (ε = 0) is −log σ(βΔ); the cDPO cases above use ε = 0.1.</summary>
    [Fact]
    public void Sigmoid_WithoutLabelSmoothing_IsPlainDpo()
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = Sigmoid, Beta = 0.3 };
        var sample = PairSample.Random(seed: 7);
        var actual = PairSample.Values(PreferenceLoss.Compute(s, sample.Tensors()).Losses);
        var expected = ScalarPreferenceLosses.Losses(s, sample);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 9);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_MatchFiniteDifferencesOfTheScalarFormula(PreferenceLossType type, FDivergenceType f)
    {
        using var scope = NewDisposeScope();
        var s = Case(type, f);
        var sample = PairSample.Random(seed: 200 + (int)type * 4 + (int)f);
        var inputs = sample.Tensors();
        PreferenceLoss.Compute(s, inputs).Sum().backward();

        const double h = 1e-6;
        double Total(PairSample b) => ScalarPreferenceLosses.Losses(s, b).Sum();
        foreach (var (chosen, grad) in new[] { (true, inputs.PolicyChosen.grad), (false, inputs.PolicyRejected.grad) })
        {
            // No gradient at all where the loss does not read the input (sft ignores the rejected answers).
            var autograd = grad is null ? new double[sample.Count] : PairSample.Values(grad);
            for (var i = 0; i < sample.Count; i++)
            {
                var numeric = (Total(sample.With(chosen, i, h)) - Total(sample.With(chosen, i, -h))) / (2 * h);
                Assert.True(Math.Abs(numeric - autograd[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric),
                    $"d loss / d {(chosen ? "chosen" : "rejected")}[{i}]: finite differences {numeric}, autograd {autograd[i]}");
            }
        }
    }

    [Fact]
    public void Fp32AndBf16Inputs_AreComputedInFp32()
    {
        using var scope = NewDisposeScope();
        var s = Case(Sigmoid, FDivergenceType.ReverseKl);
        var sample = PairSample.Random(seed: 7);
        var expected = ScalarPreferenceLosses.Losses(s, sample);
        var fp32 = PreferenceLoss.Compute(s, sample.Tensors(dtype: ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, fp32.Losses.dtype);
        var actual = PairSample.Values(fp32.Losses);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
        var bf16 = PreferenceLoss.Compute(s, sample.Tensors(dtype: ScalarType.BFloat16));
        Assert.Equal(ScalarType.Float32, bf16.Losses.dtype);
    }

    [Fact]
    public void AlphaDivergenceWithCoefficientOne_IsTheReverseKl()
    {
        using var scope = NewDisposeScope();
        var sample = PairSample.Random(seed: 8);
        var reverse = PreferenceLoss.Compute(new PreferenceLossSettings { FDivergence = FDivergenceType.ReverseKl }, sample.Tensors()).Losses;
        var alphaOne = PreferenceLoss.Compute(new PreferenceLossSettings { FDivergence = FDivergenceType.AlphaDivergence, FAlphaDivergenceCoef = 1 }, sample.Tensors()).Losses;
        var alphaHalf = PreferenceLoss.Compute(new PreferenceLossSettings { FDivergence = FDivergenceType.AlphaDivergence }, sample.Tensors()).Losses;
        Assert.True(reverse.allclose(alphaOne, rtol: 1e-12, atol: 1e-12));
        Assert.False(reverse.allclose(alphaHalf, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void Orpo_StaysFiniteForAnswersTheModelIsAlmostSureOfAndForVeryUnlikelyOnes()
    {
        using var scope = NewDisposeScope();
        // Length-averaged log-probs of −1e-7 (1 − e^ℓ cancels) and −60 (e^ℓ underflows next to 1).
        var chosen = tensor(new[] { -1e-7, -60.0 }, ScalarType.Float32).requires_grad_();
        var rejected = tensor(new[] { -60.0, -1e-7 }, ScalarType.Float32).requires_grad_();
        var ones = tensor(new[] { 1.0, 1.0 }, ScalarType.Float32);
        var output = PreferenceLoss.Compute(new PreferenceLossSettings { LossType = Orpo }, new PairLogProbs(chosen, rejected, ones, ones, null, null, ones));
        output.Sum().backward();
        Assert.True(output.Losses.isfinite().all().item<bool>() && chosen.grad!.isfinite().all().item<bool>() && rejected.grad!.isfinite().all().item<bool>());
        var logOdds = PairSample.Values(output.Metrics[PreferenceNames.LogOddsChosen]);
        // lo = ℓc − ℓr − log(1 − e^ℓc) + log(1 − e^ℓr) ≈ −1e-7 + 60 − log(1e-7) + 0.
        Assert.Equal(60 - Math.Log(1e-7), logOdds[0], 3);
        Assert.Equal(-logOdds[0], logOdds[1], 3);
    }
}
