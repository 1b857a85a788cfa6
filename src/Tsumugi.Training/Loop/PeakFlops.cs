using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Training.Loop;

/// <summary>
/// The denominator of MFU: the GEMM throughput of this device in the training dtype, measured in this process (the
/// same yardstick as bench/ train-mfu). Measuring beats a table: it is right for any CPU and counts the threads the
/// run actually has.
/// </summary>
public static class PeakFlops
{
    public static double Measure(Device device, ScalarType dtype)
    {
        double best = 0;
        var sizes = device.type == DeviceType.CUDA ? new[] { 4096, 8192 } : [512, 1024, 2048];
        foreach (var n in sizes)
        {
            using var scope = NewDisposeScope();
            var a = randn([n, n], dtype: dtype, device: device);
            var b = randn([n, n], dtype: dtype, device: device);
            for (var i = 0; i < 2; i++) matmul(a, b).Dispose();
            Synchronize(device);
            var reps = Math.Max(3, (int)((device.type == DeviceType.CUDA ? 2e13 : 4e9) / (2.0 * n * n * n)));
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < reps; i++) matmul(a, b).Dispose();
            Synchronize(device);
            best = Math.Max(best, reps * 2.0 * n * n * n / sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
