namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// Bootstrap confidence intervals as FastChat's get_bootstrap_result: each round resamples the battles with
/// replacement (as many as there are; for online Elo the resampled order is the order they are played in), rates
/// them, and each model's 2.5th / 97.5th percentiles over the rounds (linear interpolation, numpy's default) bound
/// the interval. Seeded: the same battles, rounds and seed give the same interval. Rounds run in parallel; each round
/// draws from its own generator seeded from the master seed, so the result does not depend on scheduling.
/// </summary>
public static class RatingBootstrap
{
    public static Dictionary<string, RatingInterval> Compute(IReadOnlyList<Battle> battles, Func<IReadOnlyList<Battle>, Dictionary<string, double>> rate,
        int rounds, int seed)
    {
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), $"bootstrap rounds must be ≥ 1 (got {rounds}).");
        if (battles.Count == 0) return [];
        var master = new Random(seed);
        var seeds = Enumerable.Range(0, rounds).Select(_ => master.Next()).ToArray();
        var results = new Dictionary<string, double>[rounds];
        Parallel.For(0, rounds, r =>
        {
            var random = new Random(seeds[r]);
            var sample = new Battle[battles.Count];
            for (int i = 0; i < sample.Length; i++) sample[i] = battles[random.Next(battles.Count)];
            results[r] = rate(sample);
        });
        return results.SelectMany(r => r.Keys).Distinct().ToDictionary(m => m, m =>
        {
            var values = results.Where(r => r.ContainsKey(m)).Select(r => r[m]).Order().ToArray();
            return new RatingInterval(Percentile(values, 0.025), Percentile(values, 0.5), Percentile(values, 0.975), values.Length);
        }, StringComparer.Ordinal);
    }

    /// <summary>numpy.percentile's default ("linear"): position q·(n−1) between the sorted values around it.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position), high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
