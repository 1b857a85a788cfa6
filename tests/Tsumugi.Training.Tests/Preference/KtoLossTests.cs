using Tsumugi.Training.Preference;
using static TorchSharp.torch;
using static Tsumugi.Training.Preference.PreferenceLossType;

namespace Tsumugi.Training.Tests.Preference;

/// <summary>KTO and apo_zero_unpaired against the scalar formulas: weighting, the clamped and detached KL baseline, metrics over each label's examples.</summary>
public class KtoLossTests
{
    sealed record Batch(double[] Policy, double[] Reference, bool[] Desirable, double[] PolicyKl, double[] ReferenceKl);

    static Batch RandomBatch(int seed, double klShift, int n = 9)
    {
        var random = new Random(seed);
        double[] Many(Func<double> f) => Enumerable.Range(0, n).Select(_ => f()).ToArray();
        var policy = Many(() => -40 * random.NextDouble() - 1);
        var policyKl = Many(() => -40 * random.NextDouble() - 1);
        return new Batch(policy, policy.Select(p => p + 4 * (random.NextDouble() - 0.5)).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 3 != 0).ToArray(), policyKl,
            policyKl.Select(p => p - klShift + random.NextDouble() - 0.5).ToArray());
    }

    static (KtoLossOutput Output, Tensor Policy, Tensor PolicyKl) Compute(PreferenceLossSettings s, Batch b)
    {
        var policy = tensor(b.Policy, ScalarType.Float64).requires_grad_();
        var policyKl = tensor(b.PolicyKl, ScalarType.Float64).requires_grad_();
        var output = KtoLoss.Compute(s, policy, tensor(b.Reference, ScalarType.Float64), tensor(b.Desirable), policyKl, tensor(b.ReferenceKl, ScalarType.Float64));
        return (output, policy, policyKl);
    }

    [Theory]
    [InlineData(Kto, 2.0)]
    [InlineData(Kto, -2.0)]
    [InlineData(ApoZeroUnpaired, 2.0)]
    public void LossesAndGradients_MatchTheScalarFormula(PreferenceLossType type, double klShift)
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = type, Beta = 0.4, DesirableWeight = 1.33, UndesirableWeight = 0.8 };
        s.Validate();
        var b = RandomBatch(seed: 41, klShift);
        var (output, policy, policyKl) = Compute(s, b);
        var expected = ScalarPreferenceLosses.KtoLosses(s, b.Policy, b.Reference, b.Desirable, b.PolicyKl, b.ReferenceKl);
        var actual = PairSample.Values(output.Losses);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 10);

        output.Losses.sum().backward();
        var autograd = PairSample.Values(policy.grad!);
        const double h = 1e-6;
        for (var i = 0; i < expected.Length; i++)
        {
            double Total(double delta)
            {
                var moved = (double[])b.Policy.Clone();
                moved[i] += delta;
                return ScalarPreferenceLosses.KtoLosses(s, moved, b.Reference, b.Desirable, b.PolicyKl, b.ReferenceKl).Sum();
            }
            Assert.Equal((Total(h) - Total(-h)) / (2 * h), autograd[i], 6);
        }
        // The KL baseline is a constant: nothing flows back into the mismatched completions.
        Assert.True(policyKl.grad is null || policyKl.grad.abs().sum().item<double>() == 0);
    }

    [Fact]
    public void Kl_IsTheMeanKlGapClampedAtZero()
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = Kto };
        var positive = RandomBatch(seed: 42, klShift: 2.0);
        var kl = Compute(s, positive).Output.Kl.item<double>();
        Assert.Equal(positive.PolicyKl.Zip(positive.ReferenceKl, (p, r) => p - r).Average(), kl, 10);
        Assert.True(kl > 1);

        var negative = RandomBatch(seed: 42, klShift: -2.0);
        var (output, _, _) = Compute(s, negative);
        Assert.Equal(0.0, output.Kl.item<double>());
        Assert.Equal(0.0, output.Metrics[PreferenceNames.Kl].item<double>());
        Assert.False(output.Kl.requires_grad);
    }

    [Fact]
    public void ApoZeroUnpaired_IgnoresTheKlCompletions()
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = ApoZeroUnpaired };
        var a = Compute(s, RandomBatch(seed: 43, klShift: 3.0)).Output;
        var b = Compute(s, RandomBatch(seed: 43, klShift: 0.5)).Output;
        Assert.True(a.Losses.equal(b.Losses).all().item<bool>());
        Assert.Equal(0.0, a.Kl.item<double>());
    }

    [Fact]
    public void Metrics_CoverEachLabelsExamplesOnly()
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = Kto, Beta = 0.5 };
        var b = RandomBatch(seed: 44, klShift: 1.0);
        var output = Compute(s, b).Output;
        var rewards = b.Policy.Select((p, i) => 0.5 * (p - b.Reference[i])).ToArray();
        var chosen = rewards.Where((_, i) => b.Desirable[i]).ToArray();
        var rejected = rewards.Where((_, i) => !b.Desirable[i]).ToArray();
        Assert.Equal(chosen, PairSample.Values(output.Metrics[PreferenceNames.RewardsChosen]), (x, y) => Math.Abs(x - y) < 1e-9);
        Assert.Equal(rejected, PairSample.Values(output.Metrics[PreferenceNames.RewardsRejected]), (x, y) => Math.Abs(x - y) < 1e-9);
        Assert.Equal(b.Policy.Where((_, i) => b.Desirable[i]), PairSample.Values(output.Metrics[PreferenceNames.LogpsChosen]));
        Assert.Equal(b.Policy.Where((_, i) => !b.Desirable[i]), PairSample.Values(output.Metrics[PreferenceNames.LogpsRejected]));
        Assert.Equal(chosen.Average() - rejected.Average(), output.Metrics[PreferenceNames.RewardsMargins].item<double>(), 9);
        Assert.Equal(rewards, PairSample.Values(output.Rewards), (x, y) => Math.Abs(x - y) < 1e-9);
        Assert.All(output.Metrics.Values, t => Assert.False(t.requires_grad));

        // A batch with only desirable examples: no rejected rewards and no margin (TRL logs neither).
        var allGood = b with { Desirable = b.Desirable.Select(_ => true).ToArray() };
        var only = Compute(s, allGood).Output;
        Assert.Equal(0, only.Metrics[PreferenceNames.RewardsRejected].numel());
        Assert.DoesNotContain(PreferenceNames.RewardsMargins, only.Metrics.Keys);
    }

    [Fact]
    public void PairedLossTypes_AreRefused()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => Compute(new PreferenceLossSettings { LossType = Sigmoid }, RandomBatch(seed: 45, klShift: 0)));
        Assert.Contains("PreferenceLoss.Compute", e.Message);
    }
}
