using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation;

/// <summary>
/// Autoregressive decoding of one sequence with the KV cache: one prefill of the prompt, then one token per forward,
/// each chosen by a <see cref="LogitSampler"/> (same options and seed, same tokens).
/// </summary>
public static class TokenSampler
{
    /// <summary>The generated ids up to (not including) the first stop id, at most <see cref="SamplingOptions.MaxNewTokens"/>.</summary>
    public static IReadOnlyList<int> Generate(LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds) =>
        SampleTokens(model, prompt, options, stopIds).TakeWhile(id => !stopIds.Contains(id)).ToList();

    /// <summary>
    /// Yields each sampled token as soon as it is chosen; a stop id is yielded and ends the sequence.
    /// <paramref name="vocabLimit"/> restricts sampling to ids below it (a model's embedding may be padded past the
    /// tokenizer's vocabulary, and those rows must never be sampled).
    /// </summary>
    /// <remarks>
    /// Nothing thread-bound lives across a yield: each step opens its own dispose scope and no_grad (both thread-local
    /// in TorchSharp/libtorch), so the enumerator may be advanced from different threads, one step at a time.
    /// </remarks>
    public static IEnumerable<int> SampleTokens(LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options,
        IReadOnlyCollection<int> stopIds, int? vocabLimit = null)
    {
        int vocab = CheckRequest(model, prompt, options, vocabLimit);
        return Loop(model, prompt, options, stopIds, vocab);
    }

    /// <summary>
    /// <see cref="SampleTokens(LlamaForCausalLM, IReadOnlyList{int}, SamplingOptions, IReadOnlyCollection{int}, int?)"/>
    /// on the native engine packed from <paramref name="model"/>: one prefill, then one engine step per token, the same
    /// sampler. No step runs after the last token.
    /// </summary>
    public static IEnumerable<int> SampleTokens(NativeEngine engine, LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options,
        IReadOnlyCollection<int> stopIds, int? vocabLimit = null)
    {
        int vocab = CheckRequest(model, prompt, options, vocabLimit);
        return EngineLoop(engine, prompt, options, stopIds, vocab);
    }

    static IEnumerable<int> EngineLoop(NativeEngine engine, IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds, int vocab)
    {
        if (options.MaxNewTokens == 0) yield break;
        var sampler = new LogitSampler(options);
        var tokens = new List<int>(prompt);
        var state = engine.NewState();
        var logits = new float[engine.Config.VocabSize];
        // The sampler rewrites its row in place; one reused row (not a fresh 128 KB copy per token, a large-object
        // allocation that would bring full GCs into the token loop).
        var row = vocab == logits.Length ? logits : new float[vocab];
        engine.Prefill(state, tokens.ToArray(), logits);
        for (int i = 0; ; i++)
        {
            if (row != logits) logits.AsSpan(0, vocab).CopyTo(row);
            int next = sampler.Next(row, tokens, prompt.Count);
            tokens.Add(next);
            yield return next;
            if (stopIds.Contains(next) || i + 1 == options.MaxNewTokens) yield break;
            engine.Decode([state], [next], logits);
        }
    }

    /// <summary>Validates options, prompt and context room; returns the number of ids that may be sampled.</summary>
    internal static int CheckRequest(LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options, int? vocabLimit)
    {
        options.Validate();
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token (e.g. BOS)", nameof(prompt));
        long context = model.Config.MaxPositionEmbeddings;
        if (prompt.Count + (long)options.MaxNewTokens > context)
            throw new ArgumentException($"the prompt ({prompt.Count} tokens) plus max_tokens ({options.MaxNewTokens}) exceeds the model's context of {context} tokens; shorten the prompt or lower max_tokens.");
        for (int i = 0; i < prompt.Count; i++)
            if ((uint)prompt[i] >= (ulong)model.Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(prompt), $"prompt token {i} is id {prompt[i]}, outside the model's vocabulary of {model.Config.VocabSize}");
        return Math.Min(vocabLimit ?? int.MaxValue, (int)model.Config.VocabSize);
    }

    static IEnumerable<int> Loop(LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds, int vocab)
    {
        if (options.MaxNewTokens == 0) yield break;
        var device = model.parameters().First().device;
        var sampler = new LogitSampler(options);
        var tokens = new List<int>(prompt);
        bool wasTraining = model.training;
        model.eval();
        var cache = model.NewCache(1, prompt.Count + options.MaxNewTokens);
        try
        {
            for (int i = 0; i < options.MaxNewTokens; i++)
            {
                int next = Step(model, cache, i == 0 ? prompt : [tokens[^1]], device, vocab, sampler, tokens, prompt.Count);
                tokens.Add(next);
                yield return next;
                if (stopIds.Contains(next)) yield break;
            }
        }
        finally
        {
            cache.Dispose();
            if (wasTraining) model.train();
        }
    }

    static int Step(LlamaForCausalLM model, KVCache cache, IReadOnlyList<int> input, Device device, int vocab, LogitSampler sampler,
        IReadOnlyList<int> context, int promptLength)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(input.Select(i => (long)i).ToArray(), [1, input.Count], device: device);
        var logits = model.Forward(ids, cache: cache, lastTokenLogitsOnly: true).Logits[0, -1, ..vocab];
        var row = logits.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        return sampler.Next(row, context, promptLength);
    }
}
