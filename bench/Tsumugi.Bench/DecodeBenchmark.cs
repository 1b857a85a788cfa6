using System.Diagnostics;
using TorchSharp;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Bench;

/// <summary>
/// KV-cached single-stream decode: milliseconds per token at growing context lengths (should stay flat), for the
/// 11m and 125m presets in fp32.
/// </summary>
public static class DecodeBenchmark
{
    public static int Run(int rounds)
    {
        CpuAllocator.Tune();
        int[] contexts = [64, 512, 1536];
        Console.WriteLine("| preset | " + string.Join(" | ", contexts.Select(c => $"ms/token at {c}")) + " | tokens/s at 64 |");
        Console.WriteLine("|---|" + string.Concat(contexts.Select(_ => "---|")) + "---|");
        foreach (var preset in new[] { "11m", "125m" })
        {
            var perContext = contexts.ToDictionary(c => c, _ => new List<double>());
            torch.manual_seed(1);
            using var model = new LlamaForCausalLM(ModelPresets.Get(preset));
            model.InitializeWeights(1);
            model.eval();
            using var noGrad = no_grad();
            for (int round = 0; round < rounds; round++)
                foreach (var context in contexts)
                    perContext[context].Add(MillisecondsPerToken(model, context));
            var medians = contexts.Select(c => Measure.Median(perContext[c])).ToArray();
            Console.WriteLine($"| {preset} | " + string.Join(" | ", medians.Select(m => m.ToString("F2"))) + $" | {1000 / medians[0]:F0} |");
        }
        return 0;
    }

    /// <summary>Prefills <paramref name="context"/> tokens, then times 32 single-token decode steps.</summary>
    static double MillisecondsPerToken(LlamaForCausalLM model, int context, int steps = 32)
    {
        using var cache = model.NewCache(1, context + steps);
        using var scope = NewDisposeScope();
        model.Forward(randint(0, model.Config.VocabSize, [1, context]), cache: cache, lastTokenLogitsOnly: true);
        var next = randint(0, model.Config.VocabSize, [1, 1]);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            using var step = NewDisposeScope();
            next = model.Forward(next, cache: cache).Logits.argmax(-1).MoveToOuterDisposeScope();
        }
        return sw.Elapsed.TotalMilliseconds / steps;
    }
}
