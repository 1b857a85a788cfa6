using Tsumugi.Tokenization;
using System.Runtime.CompilerServices;
using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation;

/// <summary>
/// Text in, text out: encodes the prompt (BOS first), decodes with the KV cache (<see cref="TokenSampler"/>), streams
/// UTF-8-safe deltas (<see cref="IIncrementalDecoder"/>) and cuts at stop strings (<see cref="StopSequenceMatcher"/>),
/// EOS or the token limit. Named TextGenerator rather than Generator so it never collides with torch.Generator under
/// <c>using static TorchSharp.torch</c>. One sequence at a time; not thread-safe (the model is shared state).
/// </summary>
public sealed class TextGenerator(LlamaForCausalLM model, ITokenizer tokenizer)
{
    /// <summary>Ids that end generation (not part of the output). Default: the tokenizer's EOS.</summary>
    public IReadOnlyCollection<int> StopIds { get; init; } = [tokenizer.EosId];

    /// <summary>Prepend BOS to encoded prompts, as Llama-family models were trained.</summary>
    public bool AddBos { get; init; } = true;

    public ITokenizer Tokenizer => tokenizer;

    /// <summary>
    /// When set, decoding runs on this native engine (packed from this generator's model) instead of the torch forward;
    /// the tokens are the same at f32 (see <see cref="NativeEngine"/>).
    /// </summary>
    public NativeEngine? Engine { get; init; }

    /// <summary>Control tokens written as text (a rendered chat template's &lt;s&gt;) become their ids; see <see cref="PromptEncoding"/>.</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt) => PromptEncoding.Encode(tokenizer, prompt, AddBos);

    public GenerationResult Generate(string prompt, SamplingOptions options) => Generate(EncodePrompt(prompt), options);

    public GenerationResult Generate(IReadOnlyList<int> promptIds, SamplingOptions options) => Stream(promptIds, options).Last().Final!;

    public IEnumerable<GenerationDelta> Stream(string prompt, SamplingOptions options) => Stream(EncodePrompt(prompt), options);

    /// <summary>Text deltas as tokens are generated; the last one carries the result. Validates eagerly.</summary>
    public IEnumerable<GenerationDelta> Stream(IReadOnlyList<int> promptIds, SamplingOptions options)
    {
        var tokens = Engine is null
            ? TokenSampler.SampleTokens(model, promptIds, options, StopIds, tokenizer.VocabSize) // throws now on bad options
            : TokenSampler.SampleTokens(Engine, model, promptIds, options, StopIds, tokenizer.VocabSize);
        return Deltas(tokens, promptIds.Count, options);
    }

    /// <summary>
    /// When set, <see cref="StreamAsync(IReadOnlyList{int}, SamplingOptions, CancellationToken)"/> decodes through it,
    /// so concurrent streams share each forward pass (servers); the batcher must wrap this generator's model.
    /// </summary>
    public ContinuousBatcher? Batcher { get; init; }

    public IAsyncEnumerable<GenerationDelta> StreamAsync(string prompt, SamplingOptions options, CancellationToken cancellationToken = default) =>
        StreamAsync(EncodePrompt(prompt), options, cancellationToken);

    /// <summary>
    /// <see cref="Stream(IReadOnlyList{int}, SamplingOptions)"/> for servers: decoding never blocks the caller's thread
    /// (it runs in the <see cref="Batcher"/>, or step by step on the thread pool without one) and cancellation is
    /// honoured between steps. Ending the enumeration early frees the sequence's place at once.
    /// </summary>
    public IAsyncEnumerable<GenerationDelta> StreamAsync(IReadOnlyList<int> promptIds, SamplingOptions options, CancellationToken cancellationToken = default) =>
        Batcher is null ? OnThreadPool(promptIds, options, cancellationToken) : Batched(Batcher, promptIds, options, cancellationToken);

    async IAsyncEnumerable<GenerationDelta> OnThreadPool(IReadOnlyList<int> promptIds, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var e = Stream(promptIds, options).GetEnumerator();
        while (await Task.Run(e.MoveNext, cancellationToken).ConfigureAwait(false))
        {
            yield return e.Current;
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    async IAsyncEnumerable<GenerationDelta> Batched(ContinuousBatcher batcher, IReadOnlyList<int> promptIds, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tokens = batcher.Submit(promptIds, options, StopIds, leave.Token);
        var assembler = new CompletionAssembler(tokenizer, StopIds, options, promptIds.Count);
        try
        {
            await foreach (int id in tokens.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var delta = assembler.Push(id);
                if (delta.Length > 0) yield return new GenerationDelta(delta);
                if (assembler.Done) break;
            }
            yield return assembler.Finish();
        }
        finally
        {
            leave.Cancel(); // a stop string or a caller that stopped reading: the batcher drops the row
        }
    }

    /// <summary>
    /// Completes several prompts with the same options, decoding up to <paramref name="batchSize"/> of them together
    /// (<see cref="DecodeBatch"/>; as soon as one ends, the next prompt takes its row). Results come in prompt order,
    /// each the one <see cref="Generate(IReadOnlyList{int}, SamplingOptions)"/> gives that prompt alone, up to float
    /// rounding in the batched matrix products.
    /// </summary>
    public IReadOnlyList<GenerationResult> GenerateBatch(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options, int batchSize = 8,
        Action? onPromptDone = null) => GenerateBatch(prompts, prompts.Select(_ => options).ToList(), batchSize, onPromptDone);

    /// <summary>
    /// As above with options per prompt — several samples of one prompt differ only in <see cref="SamplingOptions.Seed"/>
    /// (online DPO's k responses per prompt).
    /// </summary>
    public IReadOnlyList<GenerationResult> GenerateBatch(IReadOnlyList<IReadOnlyList<int>> prompts, IReadOnlyList<SamplingOptions> optionsPerPrompt,
        int batchSize = 8, Action? onPromptDone = null)
    {
        if (optionsPerPrompt.Count != prompts.Count) throw new ArgumentException("one SamplingOptions per prompt", nameof(optionsPerPrompt));
        var results = new GenerationResult[prompts.Count];
        using var batch = new DecodeBatch(model, batchSize, tokenizer.VocabSize, Engine);
        var open = new Dictionary<DecodeBatch.Sequence, (int Index, CompletionAssembler Assembler)>();
        void Collect(DecodeBatch.Sequence s)
        {
            var (index, assembler) = open[s];
            if (s.Generated > 0) assembler.Push(s.Last);
            if (!assembler.Done && !s.Finished) return;
            batch.Remove(s); // a stop string can end a sequence the batch still considers live
            results[index] = assembler.Finish().Final!;
            open.Remove(s);
            onPromptDone?.Invoke();
        }
        int next = 0;
        while (next < prompts.Count || batch.Count > 0)
        {
            for (; next < prompts.Count && batch.Count < batchSize; next++)
            {
                var s = batch.Add(prompts[next], optionsPerPrompt[next], StopIds);
                open[s] = (next, new CompletionAssembler(tokenizer, StopIds, optionsPerPrompt[next], prompts[next].Count));
                Collect(s);
            }
            var live = batch.Live.ToList();
            batch.Step();
            foreach (var s in live) Collect(s);
        }
        return results;
    }

    IEnumerable<GenerationDelta> Deltas(IEnumerable<int> sampled, int promptTokens, SamplingOptions options)
    {
        var assembler = new CompletionAssembler(tokenizer, StopIds, options, promptTokens);
        foreach (int id in sampled) // leaving the loop early disposes the token enumerator, which frees the KV cache
        {
            var delta = assembler.Push(id);
            if (delta.Length > 0) yield return new GenerationDelta(delta);
            if (assembler.Done) break;
        }
        yield return assembler.Finish();
    }
}
