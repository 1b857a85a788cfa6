using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tsumugi.Modeling;
using Tsumugi.Training.Loop;
using static TorchSharp.torch;

// The physical limits issue 25 measures against, and where libtorch's fp32 GEMM stands between them:
//   fma    — fp32 FMA peak: 12 independent vector accumulators per thread (enough to cover FMA latency), with
//            AVX-512 (where present) and AVX2 vectors, 1 and all threads; FLOP = 2 per lane per FMA.
//   copy   — STREAM-like copy bandwidth, one thread, 256 MiB arrays (bytes read + written per second).
//   gemm   — torch.mm on square fp32 matrices, 1 and all threads, best of the timed repeats, after MklVendorDispatch
//            (TSUMUGI_MKL_VENDOR_CHECK=keep: without it).
// Each figure is the best of ROUNDS rounds (a peak is the best the machine shows, not its average under load).
int rounds = args.Length > 0 ? int.Parse(args[0]) : 3;
bool gemmOnly = args.Length > 1 && args[1] == "gemm"; // run.sh's second pass: GEMM under MKL's dispatch variables
int cores = Environment.ProcessorCount;
Console.WriteLine($"cpu: {cores} logical cores, AVX-512F {Avx512F.IsSupported}, AVX2+FMA {Avx2.IsSupported && Fma.IsSupported}, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
if (!gemmOnly)
{
    // Both vector widths where the CPU has AVX-512: a GEMM library that takes the AVX2 path can reach at most the second.
    foreach (bool wide in Avx512F.IsSupported ? new[] { true, false } : [false])
        foreach (int threads in new[] { 1, cores }.Distinct())
            Console.WriteLine($"fma peak {(wide ? "AVX-512" : "AVX2")}, {threads} thread(s): {Enumerable.Range(0, rounds).Max(_ => FmaPeak.Measure(threads, TimeSpan.FromSeconds(1), wide)) / 1e9:F1} GFLOP/s");
    Console.WriteLine($"copy bandwidth, 1 thread: {Enumerable.Range(0, rounds).Max(_ => CopyGBs()):F1} GB/s");
}
MklVendorDispatch.Apply();
Console.WriteLine($"oneMKL dispatch: {MklVendorDispatch.Status}");
foreach (int threads in new[] { 1, cores }.Distinct())
{
    set_num_threads(threads);
    foreach (int n in new[] { 512, 1024, 2048 })
        Console.WriteLine($"libtorch fp32 mm {n}×{n}, {threads} thread(s): {Enumerable.Range(0, rounds).Max(_ => GemmGflops(n)):F1} GFLOP/s");
}

static double CopyGBs()
{
    const int n = 64 << 20; // 64 Mi floats = 256 MiB per array
    var from = GC.AllocateUninitializedArray<float>(n);
    var to = GC.AllocateUninitializedArray<float>(n);
    Array.Fill(from, 1f);
    Array.Fill(to, 0f); // touch every page before timing
    var clock = Stopwatch.StartNew();
    from.AsSpan().CopyTo(to);
    return 2.0 * n * sizeof(float) / clock.Elapsed.TotalSeconds / 1e9;
}

static double GemmGflops(int n)
{
    using var scope = NewDisposeScope();
    var a = randn(n, n);
    var b = randn(n, n);
    mm(a, b).Dispose(); // warm-up: first-call allocation and thread start
    int repeats = Math.Max(2, (int)(2e10 / (2.0 * n * n * n)));
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < repeats; i++) mm(a, b).Dispose();
    return 2.0 * n * n * n * repeats / clock.Elapsed.TotalSeconds / 1e9;
}
