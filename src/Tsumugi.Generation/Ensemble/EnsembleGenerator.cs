using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Ensemble;

/// <summary>
/// Text generation from a <see cref="ExpertEnsemble"/>: every expert decodes the same sequence with its own KV cache;
/// at each step the next-token distribution is the BTM mixture Σ_j P(D=j | x_&lt;t)·p_j(· | x_&lt;t)
/// (<see cref="BtmPosterior"/>), and the posterior moves with each expert's log-likelihood of the prompt and of every
/// token chosen. The mixture's log-probabilities go to the same <see cref="LogitSampler"/> as a single model's logits,
/// so greedy decoding, temperature, top-k/p and min-p mean what they mean there (a one-expert ensemble samples exactly
/// what its expert samples; only the repetition penalty, which rescales logits by sign, sees log-probabilities instead).
/// All experts run every step, also those outside the top-k, so a later token can bring an expert back.
/// </summary>
public sealed class EnsembleGenerator(ExpertEnsemble ensemble)
{
    /// <summary>Ids that end generation (not part of the output). Default: the tokenizer's EOS.</summary>
    public IReadOnlyCollection<int> StopIds { get; init; } = [ensemble.Tokenizer.EosId];

    /// <summary>The posterior P(D=j | x_&lt;t) used for each generated token of the last call, in order.</summary>
    public IReadOnlyList<double[]> Posteriors => _posteriors;

    readonly List<double[]> _posteriors = [];

    public IReadOnlyList<int> EncodePrompt(string prompt) => PromptEncoding.Encode(ensemble.Tokenizer, prompt, addBos: true);

    public GenerationResult Generate(string prompt, SamplingOptions options) => Stream(prompt, options).Last().Final!;

    public IEnumerable<GenerationDelta> Stream(string prompt, SamplingOptions options) => Stream(EncodePrompt(prompt), options);

    /// <summary>Text deltas as tokens are generated; the last one carries the result. Validates eagerly.</summary>
    public IEnumerable<GenerationDelta> Stream(IReadOnlyList<int> promptIds, SamplingOptions options)
    {
        var tokens = SampleTokens(promptIds, options);
        return Deltas(tokens, promptIds.Count, options);
    }

    /// <summary>Each sampled id as soon as it is chosen; a stop id is yielded and ends the sequence.</summary>
    public IEnumerable<int> SampleTokens(IReadOnlyList<int> promptIds, SamplingOptions options)
    {
        int vocab = ensemble.Experts.Min(e => TokenSampler.CheckRequest(e.Model, promptIds, options, ensemble.Tokenizer.VocabSize));
        return Loop(promptIds, options, vocab);
    }

    IEnumerable<int> Loop(IReadOnlyList<int> prompt, SamplingOptions options, int vocab)
    {
        _posteriors.Clear();
        if (options.MaxNewTokens == 0) yield break;
        var experts = ensemble.Experts.Select(e => e.Model).ToArray();
        var sampler = new LogitSampler(options);
        var tokens = new List<int>(prompt);
        var cumulative = new double[experts.Length];
        var wasTraining = experts.Select(m => m.training).ToArray();
        foreach (var m in experts) m.eval();
        var caches = experts.Select(m => m.NewCache(1, prompt.Count + options.MaxNewTokens)).ToArray();
        try
        {
            for (int i = 0; i < options.MaxNewTokens; i++)
            {
                var rows = new float[experts.Length][];
                for (int j = 0; j < experts.Length; j++)
                    (rows[j], cumulative[j]) = NextLogProbs(experts[j], caches[j], i == 0 ? prompt : [tokens[^1]], vocab, cumulative[j]);
                var posterior = BtmPosterior.Posterior(ensemble.LogPrior, cumulative, ensemble.TopK);
                _posteriors.Add(posterior);
                var mixture = Mixture(rows, posterior, vocab);
                int next = sampler.Next(mixture, tokens, prompt.Count);
                for (int j = 0; j < experts.Length; j++) cumulative[j] += rows[j][next];
                tokens.Add(next);
                yield return next;
                if (StopIds.Contains(next)) yield break;
            }
        }
        finally
        {
            foreach (var c in caches) c.Dispose();
            for (int j = 0; j < experts.Length; j++)
                if (wasTraining[j]) experts[j].train();
        }
    }

    /// <summary>
    /// Runs <paramref name="input"/> through one expert: the log-softmax (over the first <paramref name="vocab"/> ids) of
    /// the next position, and the context log-likelihood grown by the log-probabilities of the input tokens that had a
    /// prediction (all but the first of a prompt; a single decode token was already counted when it was chosen).
    /// </summary>
    static (float[] Next, double Cumulative) NextLogProbs(LlamaForCausalLM model, KVCache cache, IReadOnlyList<int> input, int vocab, double cumulative)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = model.parameters().First().device;
        var ids = tensor(input.Select(i => (long)i).ToArray(), [1, input.Count], device: device);
        var logits = model.Forward(ids, cache: cache, lastTokenLogitsOnly: input.Count == 1).Logits[0, .., ..vocab];
        var logProbs = logits.to_type(ScalarType.Float32).log_softmax(-1).cpu();
        for (int t = 0; t + 1 < input.Count; t++) cumulative += logProbs[t, input[t + 1]].item<float>();
        return (logProbs[-1].data<float>().ToArray(), cumulative);
    }

    /// <summary>log Σ_j posterior_j · p_j(v) for every id v (−∞ where no kept expert gives it mass).</summary>
    static float[] Mixture(float[][] rows, double[] posterior, int vocab)
    {
        var result = new float[vocab];
        var kept = Enumerable.Range(0, rows.Length).Where(j => posterior[j] > 0).ToArray();
        var weights = kept.Select(j => posterior[j]).ToArray();
        var terms = new double[kept.Length];
        for (int v = 0; v < vocab; v++)
        {
            for (int k = 0; k < kept.Length; k++) terms[k] = rows[kept[k]][v];
            result[v] = (float)BtmPosterior.MixtureLogProb(weights, terms);
        }
        return result;
    }

    IEnumerable<GenerationDelta> Deltas(IEnumerable<int> sampled, int promptTokens, SamplingOptions options)
    {
        var assembler = new CompletionAssembler(ensemble.Tokenizer, StopIds, options, promptTokens);
        foreach (int id in sampled)
        {
            var delta = assembler.Push(id);
            if (delta.Length > 0) yield return new GenerationDelta(delta);
            if (assembler.Done) break;
        }
        yield return assembler.Finish();
    }
}
