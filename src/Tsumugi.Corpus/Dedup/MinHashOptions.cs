using Tsumugi.Common.Config;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// MinHash LSH settings: character n-grams, bands × rows hashes. 20 × 10 is HojiChar's legacy default (Jaccard
/// threshold ≈ (1/20)^(1/10) ≈ 0.74); Swallow/Doubri use 40 × 20 (aimed at ≈ 0.9).
/// </summary>
public sealed record MinHashOptions(int Bands = 20, int Rows = 10, int NGram = 5, uint Seed = 42)
{
    public int Hashes => Bands * Rows;

    /// <summary>The Jaccard similarity at which a pair is caught with probability ≈ 0.5: (1/b)^(1/r).</summary>
    public double ApproximateThreshold => Math.Pow(1.0 / Bands, 1.0 / Rows);

    /// <summary>Probability that a pair of Jaccard similarity <paramref name="s"/> shares at least one band.</summary>
    public double DetectionProbability(double s) => 1 - Math.Pow(1 - Math.Pow(s, Rows), Bands);

    /// <summary>
    /// Picks bands × rows (≤ <paramref name="maxHashes"/> hashes) minimising false positives + false negatives around
    /// <paramref name="threshold"/>, like datasketch's _optimal_param with equal weights.
    /// </summary>
    public static MinHashOptions ForThreshold(double threshold, int maxHashes = 200, int ngram = 5, uint seed = 42)
    {
        if (threshold is <= 0 or >= 1) throw new ArgumentException($"--threshold {threshold}: must be between 0 and 1 (e.g. 0.8)");
        double best = double.MaxValue;
        (int b, int r) pick = (20, 10);
        for (int b = 1; b <= maxHashes; b++)
            for (int r = 1; b * r <= maxHashes; r++)
            {
                double fp = Integrate(s => 1 - Math.Pow(1 - Math.Pow(s, r), b), 0, threshold);
                double fn = Integrate(s => Math.Pow(1 - Math.Pow(s, r), b), threshold, 1);
                if (fp + fn < best) { best = fp + fn; pick = (b, r); }
            }
        return new MinHashOptions(pick.b, pick.r, ngram, seed);
    }

    static double Integrate(Func<double, double> f, double a, double b)
    {
        const int steps = 100;
        double h = (b - a) / steps, sum = 0;
        for (int i = 0; i < steps; i++) sum += f(a + (i + 0.5) * h);
        return sum * h;
    }

    /// <summary>The settings of the <c>minhash</c> step: <c>threshold</c> (with <c>max_hashes</c>), or <c>bands</c> and <c>rows</c>.</summary>
    public static MinHashOptions FromParams(YamlSection p)
    {
        var d = new MinHashOptions();
        int ngram = p.Int("ngram", d.NGram, min: 1);
        var seed = (uint)p.Long("seed", d.Seed, max: uint.MaxValue);
        if (p.Has("threshold"))
            return ForThreshold(p.Double("threshold", 0.8), p.Int("max_hashes", 200, min: 1), ngram, seed);
        return new MinHashOptions(p.Int("bands", d.Bands, min: 1), p.Int("rows", d.Rows, min: 1), ngram, seed);
    }

    /// <summary>Identifies signatures made with these settings (stored with them, so a later stage can reuse them).</summary>
    public string Key => $"char{NGram}:{Bands}x{Rows}:seed{Seed}";
}
