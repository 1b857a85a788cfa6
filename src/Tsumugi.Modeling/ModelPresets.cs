namespace Tsumugi.Modeling;

/// <summary>Named model shapes (litgpt-style: presets are data). Each returns a fresh, valid config.</summary>
public static class ModelPresets
{
    static LlamaConfig Llama(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, int maxPos,
        double eps = 1e-5, bool tie = false) => new()
        {
            ModelType = "llama", Architectures = ["LlamaForCausalLM"], VocabSize = vocab, HiddenSize = hidden,
            IntermediateSize = inter, NumHiddenLayers = layers, NumAttentionHeads = heads, NumKeyValueHeads = kvHeads,
            MaxPositionEmbeddings = maxPos, RmsNormEps = eps, TieWordEmbeddings = tie, BosTokenId = 1, EosTokenIds = [2],
        };

    /// <summary>Qwen2 keeps Llama's layout plus implied q/k/v biases; rope_theta 1e6 as in Qwen2.5; the window is off as released.</summary>
    static LlamaConfig Qwen2(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, int maxPos, bool tie)
    {
        var c = Llama(vocab, hidden, inter, layers, heads, kvHeads, maxPos, eps: 1e-6, tie: tie);
        c.ModelType = "qwen2";
        c.Architectures = ["Qwen2ForCausalLM"];
        c.RopeTheta = 1e6;
        c.SlidingWindow = maxPos;
        c.MaxWindowLayers = layers;
        return c;
    }

    /// <summary>Gemma 2 with transformers' Gemma2Config defaults for the type-specific keys (softcaps 50/30, alternating window).</summary>
    static LlamaConfig Gemma2(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, int headDim, int window, int maxPos) => new()
    {
        ModelType = "gemma2", Architectures = ["Gemma2ForCausalLM"], VocabSize = vocab, HiddenSize = hidden, IntermediateSize = inter,
        NumHiddenLayers = layers, NumAttentionHeads = heads, NumKeyValueHeads = kvHeads, HeadDimOverride = headDim,
        QueryPreAttnScalar = headDim, SlidingWindow = window, MaxPositionEmbeddings = maxPos, RmsNormEps = 1e-6,
    };

    static readonly Dictionary<string, (string Description, Func<LlamaConfig> Create)> All = new()
    {
        ["tiny"] = ("tests: 2 layers, width 64, GQA 4/2 heads, vocab 1024", () => Llama(1024, 64, 192, 2, 4, 2, 512, tie: true)),
        ["11m"] = ("≈11M params: 8 layers, width 256, vocab 8192", () => Llama(8192, 256, 704, 8, 8, 8, 2048)),
        ["40m"] = ("≈40M params: 10 layers, width 512, vocab 8192", () => Llama(8192, 512, 1408, 10, 8, 8, 2048)),
        ["125m"] = ("≈134M params: 12 layers, width 768, vocab 32000", () => Llama(32000, 768, 2048, 12, 12, 12, 2048)),
        ["1b"] = ("TinyLlama-1.1B shape: 22 layers, width 2048, GQA 32/4", () => Llama(32000, 2048, 5632, 22, 32, 4, 2048)),
        ["7b"] = ("Llama-2-7B shape", () => Llama(32000, 4096, 11008, 32, 32, 32, 4096)),
        ["tiny-qwen2"] = ("tests: the tiny shape as Qwen2 (q/k/v biases, tied)", () => Qwen2(1024, 64, 192, 2, 4, 2, 512, tie: true)),
        ["tiny-gemma2"] = ("tests: the tiny shape as Gemma 2 (softcaps, sandwich norms, window 128 on even layers)", () => Gemma2(1024, 64, 192, 2, 4, 2, 16, 128, 512)),
        ["qwen2.5-0.5b"] = ("Qwen2.5-0.5B shape: 24 layers, width 896, GQA 14/2, tied, vocab 151936", () => Qwen2(151936, 896, 4864, 24, 14, 2, 32768, tie: true)),
        ["gemma2-2b"] = ("Gemma-2-2B shape: 26 layers, width 2304, GQA 8/4, head_dim 256, vocab 256000", () => Gemma2(256000, 2304, 9216, 26, 8, 4, 256, 4096, 8192)),
        ["mistral-7b"] = ("Mistral-7B-v0.1 shape: GQA 32/8, sliding window 4096", () =>
        {
            var c = Llama(32000, 4096, 14336, 32, 32, 8, 32768);
            c.ModelType = "mistral";
            c.Architectures = ["MistralForCausalLM"];
            c.SlidingWindow = 4096;
            return c;
        }),
        ["mixtral-8x7b"] = ("Mixtral-8x7B shape: 8 experts, top-2", () =>
        {
            var c = Llama(32000, 4096, 14336, 32, 32, 8, 32768);
            c.ModelType = "mixtral";
            c.Architectures = ["MixtralForCausalLM"];
            c.RopeTheta = 1e6;
            c.NumLocalExperts = 8;
            c.NumExpertsPerTok = 2;
            c.RouterAuxLossCoef = 0.02;
            return c;
        }),
    };

    public static IEnumerable<(string Name, string Description)> List() => All.Select(p => (p.Key, p.Value.Description));

    public static LlamaConfig Get(string name) =>
        All.TryGetValue(name, out var preset) ? preset.Create()
            : throw new ArgumentException($"Unknown preset '{name}'. Available: {string.Join(", ", All.Keys)}.");
}
