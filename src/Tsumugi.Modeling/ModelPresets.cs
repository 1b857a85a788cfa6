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

    static readonly Dictionary<string, (string Description, Func<LlamaConfig> Create)> All = new()
    {
        ["tiny"] = ("tests: 2 layers, width 64, GQA 4/2 heads, vocab 1024", () => Llama(1024, 64, 192, 2, 4, 2, 512, tie: true)),
        ["11m"] = ("≈11M params: 8 layers, width 256, vocab 8192", () => Llama(8192, 256, 704, 8, 8, 8, 2048)),
        ["40m"] = ("≈40M params: 10 layers, width 512, vocab 8192", () => Llama(8192, 512, 1408, 10, 8, 8, 2048)),
        ["125m"] = ("≈134M params: 12 layers, width 768, vocab 32000", () => Llama(32000, 768, 2048, 12, 12, 12, 2048)),
        ["1b"] = ("TinyLlama-1.1B shape: 22 layers, width 2048, GQA 32/4", () => Llama(32000, 2048, 5632, 22, 32, 4, 2048)),
        ["7b"] = ("Llama-2-7B shape", () => Llama(32000, 4096, 11008, 32, 32, 32, 4096)),
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
