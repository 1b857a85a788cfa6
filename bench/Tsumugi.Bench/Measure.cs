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

    /// <summary>fp32 GEMM throughput in FLOP/s measured in this process: the trainer's own MFU denominator.</summary>
    public static double GemmPeakFlops() => Training.Loop.PeakFlops.Measure(CPU, ScalarType.Float32);
}
