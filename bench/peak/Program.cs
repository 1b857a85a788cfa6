using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

// The physical limits issue 25 measures against, and where libtorch's fp32 GEMM stands between them:
//   fma    — fp32 FMA peak: 12 independent vector accumulators per thread (enough to cover FMA latency), with
//            AVX-512 (where present) and AVX2 vectors, 1 and all threads; FLOP = 2 per lane per FMA.
//   copy   — STREAM-like copy bandwidth, one thread, 256 MiB arrays (bytes read + written per second).
//   gemm   — torch.mm on square fp32 matrices, 1 and all threads, best of the timed repeats.
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
            Console.WriteLine($"fma peak {(wide ? "AVX-512" : "AVX2")}, {threads} thread(s): {Enumerable.Range(0, rounds).Max(_ => FmaGflops(threads, wide, TimeSpan.FromSeconds(1))):F1} GFLOP/s");
    Console.WriteLine($"copy bandwidth, 1 thread: {Enumerable.Range(0, rounds).Max(_ => CopyGBs()):F1} GB/s");
}
foreach (int threads in new[] { 1, cores }.Distinct())
{
    set_num_threads(threads);
    foreach (int n in new[] { 512, 1024, 2048 })
        Console.WriteLine($"libtorch fp32 mm {n}×{n}, {threads} thread(s): {Enumerable.Range(0, rounds).Max(_ => GemmGflops(n)):F1} GFLOP/s");
}

static double FmaGflops(int threads, bool wide, TimeSpan duration)
{
    long total = 0;
    var clock = Stopwatch.StartNew();
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
    {
        long flops = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until) flops += wide ? Fma512(1 << 20) : Fma256(1 << 20);
        Interlocked.Add(ref total, flops);
    });
    return total / clock.Elapsed.TotalSeconds / 1e9;
}

[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
static long Fma512(int iterations)
{
    var m = Vector512.Create(0.999999f);
    var c = Vector512.Create(1e-7f);
    Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
    for (int i = 0; i < iterations; i++)
    {
        a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
        a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
        a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
        a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
    }
    var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    if (Vector512.Sum(sum) == 42f) Console.Write(""); // keeps the loop's results alive
    return (long)iterations * 12 * 16 * 2;
}

[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
static long Fma256(int iterations)
{
    var m = Vector256.Create(0.999999f);
    var c = Vector256.Create(1e-7f);
    Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
    for (int i = 0; i < iterations; i++)
    {
        a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c);
        a3 = Fma.MultiplyAdd(a3, m, c); a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
        a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c); a8 = Fma.MultiplyAdd(a8, m, c);
        a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
    }
    var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    if (Vector256.Sum(sum) == 42f) Console.Write("");
    return (long)iterations * 12 * 8 * 2;
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
