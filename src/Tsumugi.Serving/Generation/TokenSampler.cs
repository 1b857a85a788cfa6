using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Serving.Generation;

/// <summary>
/// Autoregressive generation with the KV cache: one prefill of the prompt, then one token per forward, sampled with
/// temperature and top-p from a seeded generator (same seed, same text), stopping at an EOS id or the token limit.
/// </summary>
public static class TokenSampler
{
    public static IReadOnlyList<int> Generate(LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token (e.g. BOS)", nameof(prompt));
        var device = model.parameters().First().device;
        var generator = new Generator((ulong)options.Seed, device);
        var output = new List<int>();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var cache = model.NewCache(1, prompt.Count + options.MaxNewTokens);
            using var scope = NewDisposeScope();
            var input = tensor(prompt.Select(i => (long)i).ToArray(), [1, prompt.Count], device: device);
            for (var i = 0; i < options.MaxNewTokens; i++)
            {
                using var step = NewDisposeScope();
                var logits = model.Forward(input, cache: cache, lastTokenLogitsOnly: true).Logits[0, -1].to_type(ScalarType.Float32);
                var next = Pick(logits, options, generator);
                if (stopIds.Contains(next)) break;
                output.Add(next);
                input = tensor(new long[] { next }, [1, 1], device: device).MoveToOuterDisposeScope();
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return output;
    }

    static int Pick(Tensor logits, SamplingOptions o, Generator generator)
    {
        if (o.Temperature <= 0) return (int)logits.argmax().item<long>();
        var probs = nn.functional.softmax(logits / o.Temperature, 0);
        if (o.TopP < 1)
        {
            var (sorted, order) = probs.sort(descending: true);
            var cumulative = sorted.cumsum(0);
            // Keep a token while the mass before it is below top_p (so the first token always stays).
            var keep = (cumulative - sorted) < o.TopP;
            var filtered = zeros_like(probs).index_put_(sorted * keep, order);
            probs = filtered / filtered.sum();
        }
        return (int)multinomial(probs, 1, generator: generator).item<long>();
    }
}
