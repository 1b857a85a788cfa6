using System.Diagnostics;
using Tsumugi.Datasets;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Modeling;
using Tsumugi.Training;
using Tsumugi.Training.Config;
using static TorchSharp.torch;

namespace Tsumugi.Bench;

/// <summary>
/// Trainer overhead: `Trainer.Run` (prefetching sampler, exact accumulation, per-domain loss, guard, clipping, our
/// AdamW, metrics.jsonl + TensorBoard every step) against bare loops — forward, backward, clip, AdamW (libtorch's, and
/// ours) — over the same rows, same model and same batch geometry. Rounds alternate; the time is from the end of step 1 to the end
/// of the last step (warm-up, preflight and the final save excluded in both).
/// </summary>
public static class TrainOverheadBenchmark
{
    const string Preset = "11m";
    const int Seq = 256, Micro = 4, Accumulation = 2, Steps = 12;

    public static int Run(int rounds)
    {
        var root = Path.Combine(Path.GetTempPath(), "tsumugi-overhead-" + Environment.ProcessId);
        var data = WriteDataset(Path.Combine(root, "data"));
        var trainer = new List<double>();
        var bare = new List<double>();
        var bareOurs = new List<double>();
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                bare.Add(BareLoop(data, ourAdamW: false));
                bareOurs.Add(BareLoop(data, ourAdamW: true));
                trainer.Add(TrainerLoop(data, Path.Combine(root, $"run{round}")));
                Console.WriteLine($"round {round + 1}: bare {bare[^1]:F2} s, bare with Tsumugi AdamW {bareOurs[^1]:F2} s, trainer {trainer[^1]:F2} s ({Steps - 1} steps)");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        double b = Measure.Median(bare), o = Measure.Median(bareOurs), t = Measure.Median(trainer);
        var tokens = (Steps - 1) * (double)Seq * Micro * Accumulation;
        Console.WriteLine($"| loop | s for {Steps - 1} steps (median of {rounds}) | tokens/s |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| bare forward/backward/clip/AdamW | {b:F2} | {tokens / b:F0} |");
        Console.WriteLine($"| bare, Tsumugi AdamW + clipping | {o:F2} | {tokens / o:F0} |");
        Console.WriteLine($"| Trainer.Run | {t:F2} | {tokens / t:F0} |");
        Console.WriteLine($"overhead vs the libtorch bare loop: {100 * (t / b - 1):+0.0;-0.0}%; vs the same optimizer: {100 * (t / o - 1):+0.0;-0.0}% (goal ≤ 5%)");
        return 0;
    }

    static string WriteDataset(string directory)
    {
        Directory.CreateDirectory(directory);
        var prefix = Path.Combine(directory, "bench");
        var random = new Random(1);
        using var writer = new IndexedDatasetWriter(prefix, new IndexedDatasetWriterOptions { VocabularySize = 8192, EosId = 2, Domain = "ja" });
        for (var d = 0; d < 2000; d++) writer.Add(Enumerable.Range(0, random.Next(50, 600)).Select(_ => random.Next(3, 8192)).ToArray());
        writer.Complete();
        return prefix;
    }

    static TrainConfig Config(string data) => TrainConfig.Parse($"""
        seed: 1
        model: {"{"}preset: {Preset}{"}"}
        data: {"{"}path: {data}{"}"}
        train: {"{"}seq_length: {Seq}, micro_batch_size: {Micro}, global_batch_tokens: {Seq * Micro * Accumulation}, max_steps: {Steps}{"}"}
        schedule: {"{"}warmup_steps: 2{"}"}
        checkpoint: {"{"}interval: 0{"}"}
        eval: {"{"}interval: 0{"}"}
        log: {"{"}peak_flops: 1e11{"}"}
        """, "overhead.yaml", Path.GetTempPath());

    static double TrainerLoop(string data, string run)
    {
        using var trainer = Trainer.Open(Config(data), run, resume: false, TextWriter.Null);
        Stopwatch? clock = null;
        double seconds = 0;
        trainer.StepCompleted += r =>
        {
            if (r.Step == 1) clock = Stopwatch.StartNew();
            if (r.Step == Steps) seconds = clock!.Elapsed.TotalSeconds;
        };
        trainer.Run();
        return seconds;
    }

    static double BareLoop(string data, bool ourAdamW)
    {
        var config = Config(data);
        using var plan = DataPlan.Create(CurriculumConfig.FromPath(data, (long)Steps * Seq * Micro * Accumulation), Seq, config.Seed);
        var sampler = plan.CreateSampler();
        var batches = Enumerable.Range(0, Steps * Accumulation)
            .Select(_ => sampler.NextBatch(Micro))
            .Select(b => tensor(b.Tokens.Select(t => (long)t).ToArray(), [b.BatchSize, b.RowLength]))
            .ToList();
        manual_seed(config.Seed);
        using var model = new LlamaForCausalLM(ModelPresets.Get(Preset));
        model.InitializeWeights(config.Seed);
        model.train();
        using var torchAdamW = ourAdamW ? null : optim.AdamW(model.parameters(), lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        using var tsumugiAdamW = ourAdamW ? new Training.Optim.AdamW(model.named_parameters().Select(p => (p.name, p.parameter)).ToList(), config.Optimizer) : null;
        var scored = batches.Take(Accumulation).Sum(b => b.shape[0] * (b.shape[1] - 1));
        Stopwatch? clock = null;
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            for (var m = 0; m < Accumulation; m++)
            {
                var ids = batches[step * Accumulation + m];
                var loss = model.TrainingLoss(ids, ids, numItemsInBatch: scored).Loss;
                loss.backward();
                _ = loss.item<float>();
            }
            if (tsumugiAdamW is { } ours)
            {
                var norm = Math.Sqrt(ours.GradientNormSquared());
                if (norm > 1.0) ours.ScaleGradients(1.0 / (norm + 1e-6));
                ours.Step(3e-4);
            }
            else
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                torchAdamW!.step();
                torchAdamW.zero_grad();
            }
            if (step == 0) clock = Stopwatch.StartNew();
        }
        var seconds = clock!.Elapsed.TotalSeconds;
        foreach (var b in batches) b.Dispose();
        return seconds;
    }
}
