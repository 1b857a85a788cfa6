using System.Runtime.CompilerServices;
using System.Text;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Serving.Generation;

/// <summary>
/// Text in, text out: encodes the prompt (BOS first), decodes with the KV cache (<see cref="TokenSampler"/>), streams
/// UTF-8-safe deltas (<see cref="IncrementalDetokenizer"/>) and cuts at stop strings (<see cref="StopSequenceMatcher"/>),
/// EOS or the token limit. Named TextGenerator rather than Generator so it never collides with torch.Generator under
/// <c>using static TorchSharp.torch</c>. One sequence at a time; not thread-safe (the model is shared state).
/// </summary>
public sealed class TextGenerator(LlamaForCausalLM model, SpmTokenizer tokenizer)
{
    /// <summary>Ids that end generation (not part of the output). Default: the tokenizer's EOS.</summary>
    public IReadOnlyCollection<int> StopIds { get; init; } = [tokenizer.EosId];

    /// <summary>Prepend BOS to encoded prompts, as Llama-family models were trained.</summary>
    public bool AddBos { get; init; } = true;

    public SpmTokenizer Tokenizer => tokenizer;

    /// <summary>Control tokens written as text (a rendered chat template's &lt;s&gt;) become their ids; see <see cref="PromptEncoding"/>.</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt) => PromptEncoding.Encode(tokenizer, prompt, AddBos);

    public GenerationResult Generate(string prompt, SamplingOptions options) => Generate(EncodePrompt(prompt), options);

    public GenerationResult Generate(IReadOnlyList<int> promptIds, SamplingOptions options) => Stream(promptIds, options).Last().Final!;

    public IEnumerable<GenerationDelta> Stream(string prompt, SamplingOptions options) => Stream(EncodePrompt(prompt), options);

    /// <summary>Text deltas as tokens are generated; the last one carries the result. Validates eagerly.</summary>
    public IEnumerable<GenerationDelta> Stream(IReadOnlyList<int> promptIds, SamplingOptions options)
    {
        var tokens = TokenSampler.SampleTokens(model, promptIds, options, StopIds, tokenizer.VocabSize); // throws now on bad options
        return Deltas(tokens, promptIds.Count, options);
    }

    /// <summary>
    /// <see cref="Stream(string, SamplingOptions)"/> for servers: each decoding step runs on the thread pool, so the
    /// caller's thread is never blocked, and cancellation is honoured between steps.
    /// </summary>
    public async IAsyncEnumerable<GenerationDelta> StreamAsync(string prompt, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var e = Stream(prompt, options).GetEnumerator();
        while (await Task.Run(e.MoveNext, cancellationToken).ConfigureAwait(false))
        {
            yield return e.Current;
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    IEnumerable<GenerationDelta> Deltas(IEnumerable<int> sampled, int promptTokens, SamplingOptions options)
    {
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        var stops = new StopSequenceMatcher(options.Stop);
        var ids = new List<int>();
        var text = new StringBuilder();
        int completion = 0;
        var reason = FinishReason.Length;
        var last = ""; // text released together with the result
        foreach (int id in sampled)
        {
            completion++;
            if (StopIds.Contains(id)) { reason = FinishReason.Stop; break; }
            ids.Add(id);
            var delta = stops.Push(detokenizer.Add(id));
            text.Append(delta);
            if (stops.Stopped)
            {
                last = delta;
                break; // leaving the loop disposes the token enumerator, which frees the KV cache
            }
            if (delta.Length > 0) yield return new GenerationDelta(delta);
        }
        if (!stops.Stopped)
        {
            // A byte run still open at the end decodes now; a stop string can even complete inside it.
            last = stops.Push(detokenizer.Finish());
            if (!stops.Stopped) last += stops.Flush();
            text.Append(last);
        }
        if (stops.Stopped) reason = FinishReason.Stop;
        yield return new GenerationDelta(last, new GenerationResult(text.ToString(), ids, reason, promptTokens, completion));
    }
}
