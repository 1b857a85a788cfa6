using Tsumugi.Modeling;

namespace Tsumugi.Modeling.Tests;

/// <summary>Small configs covering the architecture switches (GQA, biases, tying, sliding window, MoE).</summary>
public static class TestModels
{
    public static LlamaConfig Dense(bool tie = false, bool bias = false, int kvHeads = 2) => new()
    {
        VocabSize = 97, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads, MaxPositionEmbeddings = 128, RmsNormEps = 1e-5, TieWordEmbeddings = tie,
        AttentionBias = bias, MlpBias = bias, BosTokenId = 1, EosTokenIds = [2],
    };

    public static LlamaConfig Mistral(int window)
    {
        var c = Dense();
        c.ModelType = "mistral";
        c.Architectures = ["MistralForCausalLM"];
        c.SlidingWindow = window;
        return c;
    }

    public static LlamaConfig Mixtral(int experts = 4, int topK = 2)
    {
        var c = Dense();
        c.ModelType = "mixtral";
        c.Architectures = ["MixtralForCausalLM"];
        c.NumLocalExperts = experts;
        c.NumExpertsPerTok = topK;
        c.RouterAuxLossCoef = 0.02;
        return c;
    }

    public static LlamaForCausalLM Build(LlamaConfig c, long seed = 7)
    {
        var m = new LlamaForCausalLM(c);
        m.InitializeWeights(seed);
        // Larger-than-default weights so that attention patterns and routing actually matter in comparisons.
        using (TorchSharp.torch.no_grad())
            foreach (var (name, p) in m.named_parameters())
                if (!name.Contains("norm")) p.mul_(5.0);
        m.eval();
        return m;
    }

    public static long[,] RandomIds(int b, int t, int vocab, int seed)
    {
        var rng = new Random(seed);
        var ids = new long[b, t];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++)
                ids[i, j] = rng.Next(vocab);
        return ids;
    }
}
