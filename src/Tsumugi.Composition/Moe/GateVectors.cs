using TorchSharp;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Layers;
using static TorchSharp.torch;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// Router rows of a mergekit-moe merge (<c>mergekit/moe/router.py</c> get_gate_params), as [layers][experts·hidden]:
/// <list type="bullet">
/// <item><c>random</c>: N(0, 1); <c>uniform_random</c>: U(−1/√h, 1/√h) (torch.nn.Linear's init). Seeded per layer.</item>
/// <item><c>cheap_embed</c>: the token embeddings of all BOS-prefixed positive prompts summed, L2-normalised; minus the
/// same for the negative prompts, normalised again. The same row in every layer.</item>
/// <item><c>hidden</c>/<c>hidden_last</c> (last token) and <c>hidden_avg</c> (mean over the sequence): the base model's
/// residual stream entering layer l (HF <c>hidden_states[l]</c>: the embeddings for layer 0, layer l−1's output
/// after), averaged over prompts; negatives subtracted; each layer's row L2-normalised. mergekit's plain
/// <c>hidden</c> passes <c>average=False</c>, so it takes the last token, and so do we.</item>
/// </list>
/// Prompts run one at a time, so padding never enters a mean (mergekit pads a batch and averages pads in).
/// </summary>
internal static class GateVectors
{
    public static float[][] Compute(MoeMergeConfig config, ModelSource baseModel, int layers, int hidden, ulong seed, Func<string, IReadOnlyList<int>>? encode)
    {
        int experts = config.Experts.Count;
        switch (config.GateMode)
        {
            case "random":
            case "uniform_random":
                return Enumerable.Range(0, layers).Select(l =>
                {
                    var random = new SeededRandom(seed, "mergekit-moe." + config.GateMode, l);
                    double scale = Math.Sqrt(1.0 / hidden);
                    var row = new float[experts * hidden];
                    for (int k = 0; k < row.Length; k++)
                        row[k] = (float)(config.GateMode == "random" ? random.NextNormal() : random.NextDouble() * 2 * scale - scale);
                    return row;
                }).ToArray();
            case "cheap_embed":
            {
                var prompts = Tokenize(config, baseModel, encode);
                var embedding = ReadEmbedding(baseModel, hidden);
                var rows = new float[experts * hidden];
                for (int e = 0; e < experts; e++)
                {
                    var v = CheapEmbed(embedding, hidden, prompts[e].Positive, baseModel.Reference);
                    if (prompts[e].Negative.Count > 0)
                    {
                        var negative = CheapEmbed(embedding, hidden, prompts[e].Negative, baseModel.Reference);
                        for (int k = 0; k < hidden; k++) v[k] -= negative[k];
                    }
                    Normalise(v);
                    for (int k = 0; k < hidden; k++) rows[e * hidden + k] = (float)v[k];
                }
                return Enumerable.Range(0, layers).Select(_ => (float[])rows.Clone()).ToArray();
            }
            default:
                return Hidden(config, baseModel, layers, hidden, Tokenize(config, baseModel, encode), average: config.GateMode == "hidden_avg");
        }
    }

    sealed record PromptIds(List<long[]> Positive, List<long[]> Negative);

    static List<PromptIds> Tokenize(MoeMergeConfig config, ModelSource baseModel, Func<string, IReadOnlyList<int>>? encode)
    {
        if (encode is null)
            throw new ConfigException($"{config.Path}: gate_mode {config.GateMode} needs the base model's tokenizer to encode the prompts; model '{baseModel.Reference}' has none (add tokenizer.model or tokenizer.json) — or use gate_mode: random.");
        long? bos = baseModel.Config["bos_token_id"]?.GetValue<long>();
        long[] Ids(string prompt)
        {
            var ids = encode(prompt).Select(i => (long)i);
            var withBos = bos is { } b ? ids.Prepend(b).ToArray() : ids.ToArray();
            if (withBos.Length == 0) throw new ConfigException($"{config.Path}: prompt '{prompt}' encodes to no tokens; give a non-empty prompt.");
            return withBos;
        }
        return config.Experts.Select(e => new PromptIds(e.PositivePrompts.Select(Ids).ToList(), e.NegativePrompts.Select(Ids).ToList())).ToList();
    }

    static float[] ReadEmbedding(ModelSource model, int hidden)
    {
        var (shape, _) = DenseSources.Shape(model, MoeTensorNames.Embedding);
        var values = new float[shape[0] * shape[1]];
        model.ReadFloats(MoeTensorNames.Embedding, values);
        return values;
    }

    /// <summary>Σ over every token of every prompt of its embedding row, L2-normalised (mergekit's get_cheap_embedding).</summary>
    static double[] CheapEmbed(float[] embedding, int hidden, List<long[]> prompts, string model)
    {
        var sum = new double[hidden];
        long vocab = embedding.Length / hidden;
        foreach (var ids in prompts)
            foreach (long id in ids)
            {
                if (id < 0 || id >= vocab) throw OutOfVocabulary(model, id, vocab);
                for (int k = 0; k < hidden; k++) sum[k] += embedding[id * hidden + k];
            }
        Normalise(sum);
        return sum;
    }

    static void Normalise(double[] v)
    {
        double norm = Math.Max(Math.Sqrt(v.Sum(x => x * x)), 1e-8);
        for (int k = 0; k < v.Length; k++) v[k] /= norm;
    }

    static float[][] Hidden(MoeMergeConfig config, ModelSource baseModel, int layers, int hidden, List<PromptIds> prompts, bool average)
    {
        using var model = HfModelDirectory.Load(baseModel.Directory);
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var embed = (TorchSharp.Modules.Embedding)modules["model.embed_tokens"];
        var decoder = Enumerable.Range(0, layers).Select(l => (LlamaDecoderLayer)modules[$"model.layers.{l}"]).ToArray();
        using var rope = new RotaryEmbedding(model.Config);
        long vocab = model.Config.VocabSize;

        // [layers][hidden]: the mean over prompts of each layer's input state (last token or sequence mean).
        double[][] States(List<long[]> ids)
        {
            var result = Enumerable.Range(0, layers).Select(_ => new double[hidden]).ToArray();
            foreach (var prompt in ids)
            {
                if (prompt.FirstOrDefault(i => i < 0 || i >= vocab, -1) is var bad and not -1) throw OutOfVocabulary(baseModel.Reference, bad, vocab);
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var input = tensor(prompt, dtype: ScalarType.Int64).unsqueeze(0);
                var (cos, sin) = rope.Table(null, 0, prompt.Length, ScalarType.Float32, CPU);
                var ctx = new AttentionContext(cos, sin, null, Causal: true, Cache: null);
                var h = embed.forward(input);
                for (int l = 0; l < layers; l++)
                {
                    var state = average ? h[0].mean([0]) : h[0, -1];
                    var values = state.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
                    for (int k = 0; k < hidden; k++) result[l][k] += values[k] / ids.Count;
                    if (l + 1 < layers) h = decoder[l].Forward(h, ctx, out _);
                }
            }
            return result;
        }

        var rows = Enumerable.Range(0, layers).Select(_ => new float[config.Experts.Count * hidden]).ToArray();
        for (int e = 0; e < config.Experts.Count; e++)
        {
            var v = States(prompts[e].Positive);
            if (prompts[e].Negative.Count > 0)
            {
                var negative = States(prompts[e].Negative);
                for (int l = 0; l < layers; l++)
                    for (int k = 0; k < hidden; k++) v[l][k] -= negative[l][k];
            }
            for (int l = 0; l < layers; l++)
            {
                Normalise(v[l]);
                for (int k = 0; k < hidden; k++) rows[l][e * hidden + k] = (float)v[l][k];
            }
        }
        return rows;
    }

    static Modeling.Checkpoints.CheckpointException OutOfVocabulary(string model, long id, long vocab) =>
        new($"model '{model}': a prompt encodes to token id {id}, outside the embedding's {vocab} rows; the tokenizer does not belong to this model.");
}
