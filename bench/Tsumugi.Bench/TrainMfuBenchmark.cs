using System.Diagnostics;
using TorchSharp;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Bench;

/// <summary>
/// Training tokens/s and MFU for the 11m (seq 256, batch 8) and 40m (seq 512, batch 8) presets: a full step
/// (forward, loss, backward, clip, AdamW) against the fp32 GEMM peak measured in the same process, alternating
/// GEMM and model rounds so machine noise hits both; and against the CPU's measured fp32 FMA peak (issue 25), the
/// hardware ceiling whatever BLAS libtorch runs. TSUMUGI_MKL_VENDOR_CHECK=keep measures without MklVendorDispatch.
/// </summary>
public static class TrainMfuBenchmark
{
    sealed record Case(string Preset, int SeqLength, int Batch);

    public static int Run(int rounds)
    {
        Case[] cases = [new("11m", 256, 8), new("40m", 512, 8)];
        if (Environment.GetEnvironmentVariable("TSUMUGI_NO_MALLOPT") is null) CpuAllocator.Tune();
        MklVendorDispatch.Apply();
        Console.WriteLine($"threads: {get_num_threads()}, rounds: {rounds}, allocator tuned: {Environment.GetEnvironmentVariable("TSUMUGI_NO_MALLOPT") is null}, oneMKL: {MklVendorDispatch.Status}");
        var peaks = new List<double>();
        var fmaPeaks = new List<double>();
        var results = cases.ToDictionary(c => c, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            peaks.Add(Measure.GemmPeakFlops());
            fmaPeaks.Add(Training.Loop.FmaPeak.Measure(get_num_threads(), TimeSpan.FromSeconds(1)));
            Console.WriteLine($"round {round + 1}: GEMM peak {peaks[^1] / 1e9:F1} GFLOP/s, FMA peak {fmaPeaks[^1] / 1e9:F1} GFLOP/s");
            foreach (var c in cases)
            {
                results[c].Add(TokensPerSecond(c));
                Console.WriteLine($"round {round + 1}: {c.Preset} {results[c][^1]:F0} tokens/s");
            }
        }
        double peak = Measure.Median(peaks), fma = Measure.Median(fmaPeaks);
        Console.WriteLine();
        Console.WriteLine($"| preset | seq × batch | tokens/s (median) | FLOPs/token | achieved GFLOP/s | MFU vs {peak / 1e9:F0} GFLOP/s GEMM | MFU vs {fma / 1e9:F0} GFLOP/s FMA peak |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var c in cases)
        {
            var config = ModelPresets.Get(c.Preset);
            double flops = ModelAccounting.For(config).TrainingFlopsPerToken(config, c.SeqLength);
            double tps = Measure.Median(results[c]);
            Console.WriteLine($"| {c.Preset} | {c.SeqLength} × {c.Batch} | {tps:F0} | {flops:E3} | {tps * flops / 1e9:F1} | {100 * tps * flops / peak:F1}% | {100 * tps * flops / fma:F1}% |");
        }
        return 0;
    }

    static double TokensPerSecond(Case c, int steps = 6)
    {
        torch.manual_seed(1);
        using var model = new LlamaForCausalLM(ModelPresets.Get(c.Preset));
        model.InitializeWeights(1);
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, beta1: 0.9, beta2: 0.95, weight_decay: 0.1);
        using var ids = randint(0, model.Config.VocabSize, [c.Batch, c.SeqLength]);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.TrainingLoss(ids, ids).Loss;
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            _ = loss.item<float>();
        }
        Step(); // warm-up: optimizer state and allocator
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        return steps * (double)c.Batch * c.SeqLength / sw.Elapsed.TotalSeconds;
    }
}
