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

    /// <summary>Qwen2: implied q/k/v biases, tied embeddings, rope_theta 1e6; optionally the upper layers windowed.</summary>
    public static LlamaConfig Qwen2(int? window = null)
    {
        var c = Dense(tie: true);
        c.ModelType = "qwen2";
        c.Architectures = ["Qwen2ForCausalLM"];
        c.RopeTheta = 1e6;
        c.NumHiddenLayers = 3;
        c.UseSlidingWindow = window is not null;
        c.SlidingWindow = window ?? 4096;
        c.MaxWindowLayers = 1;
        return c;
    }

    /// <summary>Gemma 2: softcaps, sandwich norms, a window shorter than test sequences, query_pre_attn_scalar ≠ head_dim.</summary>
    public static LlamaConfig Gemma2(int window = 5) => new()
    {
        ModelType = "gemma2", VocabSize = 97, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 3, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, HeadDimOverride = 12, QueryPreAttnScalar = 20, AttnLogitSoftcapping = 5.0, FinalLogitSoftcapping = 3.0,
        SlidingWindow = window, MaxPositionEmbeddings = 128, RmsNormEps = 1e-6,
    };

    /// <summary>Llama 3.x: llama3 rope scaling with an original context short enough that the ramp matters at head_dim 8.</summary>
    public static LlamaConfig Llama3()
    {
        var c = Dense();
        c.RopeTheta = 500000.0;
        c.RopeScaling = new RopeScaling("llama3", 8.0, 1.0, 4.0, 64);
        return c;
    }

    public static LlamaForCausalLM Build(LlamaConfig c, long seed = 7)
    {
        var m = new LlamaForCausalLM(c);
        m.InitializeWeights(seed);
        // Larger-than-default weights so that attention patterns and routing actually matter in comparisons.
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        using (TorchSharp.torch.no_grad())
            foreach (var (name, p) in m.named_parameters())
                if (!name.Contains("norm")) p.mul_(5.0);
                // Gemma's norm weights start at 0 (scale 1 + w): move them so that w versus 1 + w shows.
                else if (c.NormAddsOne) p.add_(TorchSharp.torch.randn(p.shape, generator: generator).mul_(0.3));
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
