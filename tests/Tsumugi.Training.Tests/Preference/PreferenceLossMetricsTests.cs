using Tsumugi.Training.Preference;
using static TorchSharp.torch;
using static Tsumugi.Training.Preference.PreferenceLossType;

namespace Tsumugi.Training.Tests.Preference;

/// <summary>TRL's metric names and values, reference-free losses ignoring the reference, and inputs a loss cannot use.</summary>
public class PreferenceLossMetricsTests
{
    static readonly string[] PairNames =
    [
        PreferenceNames.RewardsChosen, PreferenceNames.RewardsRejected, PreferenceNames.RewardsAccuracies, PreferenceNames.RewardsMargins,
        PreferenceNames.LogpsChosen, PreferenceNames.LogpsRejected,
    ];

    [Theory]
    [InlineData(Sigmoid)]
    [InlineData(Ipo)]
    [InlineData(ApoDown)]
    public void DpoMetrics_AreRewardsFromTheLogRatiosWhateverTheLoss(PreferenceLossType type)
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = type, Beta = 0.25, FDivergence = FDivergenceType.JsDivergence };
        var sample = PairSample.Random(seed: 31, pairs: 40);
        var output = PreferenceLoss.Compute(s, sample.Tensors());

        Assert.Equal(PairNames.Order(), output.Metrics.Keys.Order());
        Assert.All(output.Metrics.Values, t => Assert.False(t.requires_grad));
        Assert.Null(output.NllLosses);
        var chosen = sample.PolicyChosen.Select((p, i) => 0.25 * (p - sample.ReferenceChosen[i])).ToArray();
        var rejected = sample.PolicyRejected.Select((p, i) => 0.25 * (p - sample.ReferenceRejected[i])).ToArray();
        AssertClose(chosen, output.Metrics[PreferenceNames.RewardsChosen]);
        AssertClose(rejected, output.Metrics[PreferenceNames.RewardsRejected]);
        AssertClose(chosen.Zip(rejected, (c, r) => c - r).ToArray(), output.Metrics[PreferenceNames.RewardsMargins]);
        var accuracies = chosen.Zip(rejected, (c, r) => c > r ? 1.0 : 0.0).ToArray();
        Assert.Contains(1.0, accuracies);
        Assert.Contains(0.0, accuracies);
        AssertClose(accuracies, output.Metrics[PreferenceNames.RewardsAccuracies]);
        AssertClose(sample.PolicyChosen, output.Metrics[PreferenceNames.LogpsChosen]);
        AssertClose(sample.PolicyRejected, output.Metrics[PreferenceNames.LogpsRejected]);
    }

    [Fact]
    public void OrpoMetrics_AreTrlsOnLengthAveragedLogProbs()
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = Orpo, Beta = 0.2 };
        var sample = PairSample.Random(seed: 32);
        var output = PreferenceLoss.Compute(s, sample.Tensors(withReference: false));

        Assert.Equal(PairNames.Concat([PreferenceNames.NllLoss, PreferenceNames.LogOddsRatio, PreferenceNames.LogOddsChosen]).Order(), output.Metrics.Keys.Order());
        Assert.All(output.Metrics.Values, t => Assert.False(t.requires_grad));
        var avgChosen = sample.PolicyChosen.Select((p, i) => p / sample.ChosenTokens[i]).ToArray();
        var avgRejected = sample.PolicyRejected.Select((p, i) => p / sample.RejectedTokens[i]).ToArray();
        AssertClose(avgChosen, output.Metrics[PreferenceNames.LogpsChosen]);
        AssertClose(avgChosen.Select(x => 0.2 * x).ToArray(), output.Metrics[PreferenceNames.RewardsChosen]);
        AssertClose(avgRejected.Select(x => 0.2 * x).ToArray(), output.Metrics[PreferenceNames.RewardsRejected]);
        var logOdds = avgChosen.Zip(avgRejected, ScalarPreferenceLosses.LogOdds).ToArray();
        AssertClose(logOdds, output.Metrics[PreferenceNames.LogOddsChosen]);
        AssertClose(logOdds.Select(ScalarPreferenceLosses.LogSigmoid).ToArray(), output.Metrics[PreferenceNames.LogOddsRatio]);
        AssertClose(sample.ChosenNll, output.Metrics[PreferenceNames.NllLoss]);
        AssertClose(sample.ChosenNll, output.NllLosses!);
    }

    [Theory]
    [InlineData(Orpo)]
    [InlineData(Simpo)]
    [InlineData(Cpo)]
    [InlineData(PreferenceLossType.Sft)]
    public void ReferenceFreeLosses_IgnoreReferenceLogProbs(PreferenceLossType type)
    {
        using var scope = NewDisposeScope();
        var s = new PreferenceLossSettings { LossType = type };
        Assert.False(s.RequiresReference);
        var sample = PairSample.Random(seed: 33);
        var without = PreferenceLoss.Compute(s, sample.Tensors(withReference: false));
        var with = PreferenceLoss.Compute(s, sample.Tensors(withReference: true));
        Assert.True(without.Losses.equal(with.Losses).all().item<bool>());
        foreach (var (name, value) in without.Metrics) Assert.True(value.equal(with.Metrics[name]).all().item<bool>(), name);
    }

    [Fact]
    public void SimpoWithCpoAlphaZero_IsPureSimpoAndNeedsNoNll()
    {
        using var scope = NewDisposeScope();
        var sample = PairSample.Random(seed: 34);
        var pure = new PreferenceLossSettings { LossType = Simpo, CpoAlpha = 0 };
        var output = PreferenceLoss.Compute(pure, sample.Tensors(withReference: false, withNll: false));
        Assert.Null(output.NllLosses);
        Assert.DoesNotContain(PreferenceNames.NllLoss, output.Metrics.Keys);
        // Default cpo_alpha (TRL's 1.0): CPO-SimPO, exactly one NLL more per pair.
        var withNll = PreferenceLoss.Compute(new PreferenceLossSettings { LossType = Simpo }, sample.Tensors(withReference: false));
        AssertClose(sample.ChosenNll, withNll.Losses - output.Losses);
    }

    [Fact]
    public void MissingInputs_AreRefusedWithWhatIsMissing()
    {
        using var scope = NewDisposeScope();
        var sample = PairSample.Random(seed: 35);
        var noReference = Assert.Throws<ArgumentException>(() => PreferenceLoss.Compute(new PreferenceLossSettings(), sample.Tensors(withReference: false)));
        Assert.Contains("reference", noReference.Message);
        var noNll = Assert.Throws<ArgumentException>(() => PreferenceLoss.Compute(new PreferenceLossSettings { LossType = Orpo }, sample.Tensors(withNll: false)));
        Assert.Contains("ChosenNll", noNll.Message);
        var unpaired = Assert.Throws<ArgumentException>(() => PreferenceLoss.Compute(new PreferenceLossSettings { LossType = Kto }, sample.Tensors()));
        Assert.Contains("KtoLoss", unpaired.Message);
        var t = sample.Tensors();
        var shapes = Assert.Throws<ArgumentException>(() => PreferenceLoss.Compute(new PreferenceLossSettings(), t with { RejectedTokens = t.RejectedTokens[TensorIndex.Slice(0, 3)] }));
        Assert.Contains("RejectedTokens", shapes.Message);
    }

    static void AssertClose(double[] expected, Tensor actual)
    {
        var values = PairSample.Values(actual);
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-9 * (1 + Math.Abs(expected[i])), $"[{i}]: expected {expected[i]}, got {values[i]}");
    }
}
