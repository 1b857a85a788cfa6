using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Tsumugi.Generation;
using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;

namespace Tsumugi.Bench;

/// <summary>
/// Continuous batching: aggregate decode tokens/s of N concurrent streams through <see cref="ContinuousBatcher"/>
/// (what `tsumugi serve` runs), N = 1, 8 and 16 alternating, 125m preset. Each stream: a 32-token prompt, 64 new
/// tokens, greedy, no stop id (so every stream decodes exactly 64 tokens); the prefills are inside the timing.
/// Decodes on the native engine (f32 weights unless <c>--weights</c>; <c>--engine torch</c> for the libtorch path),
/// <c>--threads</c> workers (default: libtorch's thread count). Also times one bare engine step for 1, 8 and 16 rows:
/// the shared-weight-read cost the aggregate figure rests on.
/// </summary>
public static class ConcurrentDecodeBenchmark
{
    const int PromptTokens = 32, NewTokens = 64;
    static readonly int[] Streams = [1, 8, 16];

    public static int Run(int rounds, string preset)
    {
        var args = Environment.GetCommandLineArgs();
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        bool torchPath = Option("--engine") == "torch";
        var format = Enum.Parse<WeightFormat>((Option("--weights") ?? "f32").Replace("q8_0", "Q8_0"), ignoreCase: true);
        int threads = int.Parse(Option("--threads") ?? torch.get_num_threads().ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        torch.set_num_threads(threads);
        CpuAllocator.Tune();
        torch.manual_seed(1);
        using var model = new LlamaForCausalLM(ModelPresets.Get(preset));
        model.InitializeWeights(1);
        model.eval();
        using var engine = torchPath ? null : new NativeEngine(model, format, threads);
        using var batcher = new ContinuousBatcher(model, maxRows: Streams.Max(), engine: engine);
        string decoder = engine is null ? "torch f32" : $"native {format}";
        var rates = Streams.ToDictionary(n => n, _ => new List<(double Rate, double CpuSeconds)>());
        Aggregate(batcher, 2, model.Config.VocabSize); // warm-up: JIT, allocator, cache growth
        for (int round = 0; round < rounds; round++)
            foreach (int n in Streams)
            {
                var r = Aggregate(batcher, n, model.Config.VocabSize);
                rates[n].Add(r);
                Console.Error.WriteLine($"round {round + 1}: {n} stream(s) {r.Rate:F1} tokens/s, {r.CpuSeconds:F2} CPU s, load {Load()}");
            }
        double single = Measure.Median(rates[1].Select(r => r.Rate));
        Console.WriteLine($"Load average {Load()}; medians of {rounds} rounds.");
        Console.WriteLine();
        Console.WriteLine("| preset | decoder | threads | streams | aggregate tokens/s | × one stream | CPU s per round |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (int n in Streams)
        {
            double rate = Measure.Median(rates[n].Select(r => r.Rate));
            Console.WriteLine($"| {preset} | {decoder} | {threads} | {n} | {rate:F1} | {rate / single:F2}× | {Measure.Median(rates[n].Select(r => r.CpuSeconds)):F2} |");
        }
        if (engine is not null) StepCosts(engine, rounds);
        return 0;
    }

    /// <summary>One engine decode step for n rows at context 32–96, n = 1, 8, 16: median ms and the ratio to one row.</summary>
    static void StepCosts(NativeEngine engine, int rounds)
    {
        var random = new Random(3);
        var logits = new float[Streams.Max() * engine.Config.VocabSize];
        var prefill = new float[engine.Config.VocabSize];
        var states = Enumerable.Range(0, Streams.Max()).Select(_ =>
        {
            var s = engine.NewState();
            engine.Prefill(s, Enumerable.Range(0, PromptTokens).Select(_ => random.Next(engine.Config.VocabSize)).ToArray(), prefill);
            return s;
        }).ToList();
        var times = Streams.ToDictionary(n => n, _ => new List<double>());
        for (int round = 0; round < Math.Max(3, rounds) * 8; round++)
            foreach (int n in Streams)
            {
                var rows = states.Take(n).ToList();
                var sw = Stopwatch.StartNew();
                engine.Decode(rows, rows.Select(_ => random.Next(engine.Config.VocabSize)).ToArray(), logits);
                times[n].Add(sw.Elapsed.TotalMilliseconds);
            }
        double one = Measure.Median(times[1]);
        Console.WriteLine();
        Console.WriteLine("| rows in one engine step | median ms | × one row |");
        Console.WriteLine("|---|---|---|");
        foreach (int n in Streams) Console.WriteLine($"| {n} | {Measure.Median(times[n]):F2} | {Measure.Median(times[n]) / one:F2}× |");
    }

    /// <summary>Runs <paramref name="streams"/> requests at once; generated tokens per second of wall time, and the process's CPU seconds.</summary>
    static (double Rate, double CpuSeconds) Aggregate(ContinuousBatcher batcher, int streams, long vocab)
    {
        var rng = new Random(streams);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = NewTokens };
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var readers = Enumerable.Range(0, streams)
            .Select(_ => batcher.Submit(Enumerable.Range(0, PromptTokens).Select(_ => rng.Next((int)vocab)).ToList(), options, []))
            .ToList();
        int tokens = Task.WhenAll(readers.Select(async r => { int n = 0; await foreach (var _ in r.ReadAllAsync()) n++; return n; }))
            .GetAwaiter().GetResult().Sum();
        if (tokens != streams * NewTokens) throw new InvalidOperationException($"expected {streams * NewTokens} tokens, got {tokens}");
        return (tokens / sw.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
