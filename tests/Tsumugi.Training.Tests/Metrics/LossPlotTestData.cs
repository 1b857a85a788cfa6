namespace Tsumugi.Training.Tests.Metrics;

/// <summary>A plausible noisy loss curve and two validation domains, shared by in-process and child-process plot tests.</summary>
internal static class LossPlotTestData
{
    public static IReadOnlyList<(long Step, double Value)> TrainLoss()
    {
        var random = new Random(1234);
        return Enumerable.Range(1, 500)
            .Select(step => ((long)step, 2.5 + 8 * Math.Exp(-step / 60.0) + 0.3 * (random.NextDouble() - 0.5)))
            .ToList();
    }

    public static IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> ValidationLoss() =>
        new Dictionary<string, IReadOnlyList<(long Step, double Value)>>
        {
            ["ja_wiki"] = Enumerable.Range(1, 5).Select(i => ((long)(i * 100), 2.8 + 6 * Math.Exp(-i * 100 / 60.0))).ToList(),
            ["en_code"] = Enumerable.Range(1, 5).Select(i => ((long)(i * 100), 3.4 + 6 * Math.Exp(-i * 100 / 60.0))).ToList(),
        };
}
