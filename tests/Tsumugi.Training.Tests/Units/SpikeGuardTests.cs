using Tsumugi.Training.Config;
using Tsumugi.Training.Guard;

namespace Tsumugi.Training.Tests.Units;

public class SpikeGuardTests
{
    static SpikeGuard Warmed(out Random random)
    {
        random = new Random(5);
        var guard = new SpikeGuard(new GuardSettings { Window = 50, MinHistory = 10, LossSigma = 6, GradSigma = 6 });
        for (var i = 0; i < 50; i++) guard.Accept(3.0 + random.NextDouble() * 0.1, 1.0 + random.NextDouble() * 0.1);
        return guard;
    }

    [Fact]
    public void NormalStepsPassAndLossOrGradientOutliersAreSpikes()
    {
        var guard = Warmed(out var random);
        for (var i = 0; i < 100; i++) Assert.Null(guard.Check(3.0 + random.NextDouble() * 0.1, 1.0 + random.NextDouble() * 0.1));
        Assert.Contains("loss", guard.Check(4.0, 1.05));
        Assert.Contains("gradient norm", guard.Check(3.05, 5.0));
    }

    [Fact]
    public void NonFiniteValuesAreAlwaysSpikesEvenWithoutHistory()
    {
        var guard = new SpikeGuard(new GuardSettings { MinHistory = 10 });
        Assert.Null(guard.Check(100, 100)); // no history yet: nothing to compare with
        Assert.NotNull(guard.Check(double.NaN, 1));
        Assert.NotNull(guard.Check(3, double.PositiveInfinity));
    }

    [Fact]
    public void StateRoundTripsSoAResumedRunJudgesIdentically()
    {
        var guard = Warmed(out _);
        var copy = new SpikeGuard(new GuardSettings { Window = 50, MinHistory = 10, LossSigma = 6, GradSigma = 6 });
        copy.Restore(guard.GetState());
        foreach (var loss in new[] { 3.0, 3.2, 3.5, 3.8 }) Assert.Equal(guard.Check(loss, 1.0), copy.Check(loss, 1.0));
    }
}
