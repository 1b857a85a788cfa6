using System.Diagnostics;
using static TorchSharp.torch;

namespace Tsumugi.Bench;

/// <summary>Timing helpers shared by the benchmarks.</summary>
public static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>fp32 GEMM throughput in FLOP/s: the best of several square sizes, measured in this process.</summary>
    public static double GemmPeakFlops()
    {
        double best = 0;
        foreach (int n in new[] { 512, 1024, 2048 })
        {
            using var scope = NewDisposeScope();
            var a = randn(n, n);
            var b = randn(n, n);
            for (int i = 0; i < 2; i++) matmul(a, b).Dispose();
            int reps = Math.Max(3, (int)(4e9 / (2.0 * n * n * n)));
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) matmul(a, b).Dispose();
            best = Math.Max(best, reps * 2.0 * n * n * n / sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
