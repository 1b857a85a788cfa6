using System.Diagnostics;
using TorchSharp;
using Tsumugi.Modeling;
using Tsumugi.Generation;

namespace Tsumugi.Bench;

/// <summary>
/// Continuous batching: aggregate decode tokens/s of N concurrent streams through <see cref="ContinuousBatcher"/>
/// (what `tsumugi serve` runs), N = 1 and 8 alternating, 125m preset in fp32. Each stream: a 32-token prompt, 64 new
/// tokens, greedy, no stop id (so every stream decodes exactly 64 tokens).
/// </summary>
public static class ConcurrentDecodeBenchmark
{
    const int PromptTokens = 32, NewTokens = 64;

    public static int Run(int rounds, string preset)
    {
        CpuAllocator.Tune();
        torch.manual_seed(1);
        using var model = new LlamaForCausalLM(ModelPresets.Get(preset));
        model.InitializeWeights(1);
        model.eval();
        using var batcher = new ContinuousBatcher(model, maxRows: 8);
        int[] streams = [1, 8];
        var rates = streams.ToDictionary(n => n, _ => new List<double>());
        Aggregate(batcher, 2, model.Config.VocabSize); // warm-up: JIT, allocator, cache growth
        for (int round = 0; round < rounds; round++)
            foreach (int n in streams)
            {
                double rate = Aggregate(batcher, n, model.Config.VocabSize);
                rates[n].Add(rate);
                Console.Error.WriteLine($"round {round + 1}: {n} stream(s) {rate:F1} tokens/s");
            }
        double single = Measure.Median(rates[1]), eight = Measure.Median(rates[8]);
        Console.WriteLine($"| preset | threads | 1 stream tokens/s | 8 streams aggregate tokens/s | ratio |");
        Console.WriteLine($"|---|---|---|---|---|");
        Console.WriteLine($"| {preset} | {torch.get_num_threads()} | {single:F1} | {eight:F1} | {eight / single:F2}× |");
        return 0;
    }

    /// <summary>Runs <paramref name="streams"/> requests at once; returns generated tokens per second of wall time.</summary>
    static double Aggregate(ContinuousBatcher batcher, int streams, long vocab)
    {
        var rng = new Random(streams);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = NewTokens };
        var sw = Stopwatch.StartNew();
        var readers = Enumerable.Range(0, streams)
            .Select(_ => batcher.Submit(Enumerable.Range(0, PromptTokens).Select(_ => rng.Next((int)vocab)).ToList(), options, []))
            .ToList();
        int tokens = Task.WhenAll(readers.Select(async r => { int n = 0; await foreach (var _ in r.ReadAllAsync()) n++; return n; }))
            .GetAwaiter().GetResult().Sum();
        if (tokens != streams * NewTokens) throw new InvalidOperationException($"expected {streams * NewTokens} tokens, got {tokens}");
        return tokens / sw.Elapsed.TotalSeconds;
    }
}
