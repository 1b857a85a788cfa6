namespace Tsumugi.Training.Metrics;

/// <summary>Turns logged (step, loss) points into plottable arrays.</summary>
internal static class LossSeries
{
    /// <summary>
    /// Drops non-finite values (a diverged step would flatten the whole y-axis), keeps the last value of a step
    /// logged twice (a resumed run re-logs the steps after its checkpoint; TensorBoard also keeps the newer
    /// ones), and sorts by step so the line never runs backwards.
    /// </summary>
    public static (double[] Steps, double[] Values) Clean(IReadOnlyList<(long Step, double Value)> points)
    {
        var lastByStep = new SortedDictionary<long, double>();
        foreach ((long step, double value) in points)
        {
            if (double.IsFinite(value))
                lastByStep[step] = value;
        }
        return (lastByStep.Keys.Select(step => (double)step).ToArray(), lastByStep.Values.ToArray());
    }

    /// <summary>
    /// Exponential moving average with TensorBoard's debiasing: each output divides by the total weight seen so
    /// far, so the curve starts at the first value instead of rising from zero.
    /// </summary>
    public static double[] Smooth(IReadOnlyList<double> values, double weight)
    {
        if (weight is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "must be in [0, 1)");
        var smoothed = new double[values.Count];
        double average = 0, totalWeight = 0;
        for (int i = 0; i < values.Count; i++)
        {
            average = average * weight + (1 - weight) * values[i];
            totalWeight = totalWeight * weight + (1 - weight);
            smoothed[i] = average / totalWeight;
        }
        return smoothed;
    }

    /// <summary>
    /// A smoothing weight that scales with the number of points: an EMA span of about 1/25 of the curve
    /// (at most 200 points), so short demo runs are not over-smoothed and long runs are not noise.
    /// 100 points give 0.6, TensorBoard's default slider value.
    /// </summary>
    public static double SmoothingWeightFor(int pointCount)
    {
        double span = Math.Clamp(pointCount / 25.0, 1, 200);
        return 1 - 2 / (span + 1);
    }
}
