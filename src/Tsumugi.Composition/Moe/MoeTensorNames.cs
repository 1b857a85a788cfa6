namespace Tsumugi.Composition.Moe;

/// <summary>The tensor names MoE assembly reads (dense Llama/Mistral MLP) and writes (classic Mixtral layout, which
/// every HF loader and ours read; the fused v5 layout is accepted on load, see <c>FusedMoeLayout</c>).</summary>
internal static class MoeTensorNames
{
    /// <summary>Dense MLP projection → Mixtral expert matrix: gate_proj = w1, up_proj = w3, down_proj = w2.</summary>
    public static readonly (string Dense, string Expert)[] Projections = [("gate_proj", "w1"), ("up_proj", "w3"), ("down_proj", "w2")];

    public static string Dense(int layer, string projection) => $"model.layers.{layer}.mlp.{projection}.weight";
    public static string Expert(int layer, int expert, string matrix) => $"model.layers.{layer}.block_sparse_moe.experts.{expert}.{matrix}.weight";
    public static string Router(int layer) => $"model.layers.{layer}.block_sparse_moe.gate.weight";
    public const string Embedding = "model.embed_tokens.weight";

    /// <summary>True for the dense FFN's tensors (weights and, where a config has mlp_bias, biases), which the experts replace.</summary>
    public static bool IsDenseFfn(string name) => TensorNames.TryLayer(name, out _, out _, out var suffix) && suffix.StartsWith("mlp.", StringComparison.Ordinal);
}
