using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed class LossSeriesTests
{
    [Fact]
    public void CleanSortsByStepKeepsTheLastValueOfARepeatedStepAndDropsNonFiniteValues()
    {
        (long, double)[] points = [(1, 5.0), (3, 4.0), (2, double.NaN), (3, 3.5), (4, double.NegativeInfinity), (0, 6.0)];

        (double[] steps, double[] values) = LossSeries.Clean(points);

        Assert.Equal([0.0, 1, 3], steps);
        Assert.Equal([6.0, 5.0, 3.5], values);
    }

    [Fact]
    public void SmoothIsDebiasedSoAConstantSeriesStaysConstant()
    {
        double[] smoothed = LossSeries.Smooth([4.0, 4.0, 4.0, 4.0], 0.9);

        Assert.All(smoothed, value => Assert.Equal(4.0, value, 12));
    }

    [Fact]
    public void SmoothMatchesTensorboardsDebiasedMovingAverage()
    {
        // weight 0.5: averages 0.5*2=1, then 0.5*1+0.5*4=2.5; total weights 0.5, 0.75.
        double[] smoothed = LossSeries.Smooth([2.0, 4.0], 0.5);

        Assert.Equal(2.0, smoothed[0], 12);
        Assert.Equal(2.5 / 0.75, smoothed[1], 12);
    }

    [Fact]
    public void SmoothingWeightGrowsWithTheNumberOfPoints()
    {
        Assert.Equal(0, LossSeries.SmoothingWeightFor(10));
        Assert.Equal(0.6, LossSeries.SmoothingWeightFor(100), 12);
        Assert.Equal(1 - 2 / 201.0, LossSeries.SmoothingWeightFor(1_000_000), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => LossSeries.Smooth([1.0], 1.0));
    }
}
