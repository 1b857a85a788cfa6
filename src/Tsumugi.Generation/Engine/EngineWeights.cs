using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// A Llama-family model's weights repacked for the engine: per layer q/k/v fused into one matrix (one pass over the
/// normed input) and gate/up fused likewise; norms and the token embedding stay f32 (the embedding is read one row per
/// token, never streamed). Read once from the torch model's state dict.
/// </summary>
sealed class EngineWeights
{
    public sealed record Layer(float[] AttentionNorm, PackedMatrix Qkv, PackedMatrix Output, float[] MlpNorm, PackedMatrix GateUp, PackedMatrix Down, int? Window);

    public EngineWeights(LlamaForCausalLM model, WeightFormat format, bool simd)
    {
        var c = model.Config;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var state = model.state_dict();
        float[] Read(string name) => state.TryGetValue(name, out var t)
            ? t.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray()
            : throw new InvalidDataException($"the model has no {name}");
        float[]? Optional(string name) => state.ContainsKey(name) ? Read(name) : null;
        float[] Concat(params float[][] parts) => parts.SelectMany(p => p).ToArray();

        int h = c.HiddenSize, hd = c.HeadDim, qRows = c.NumAttentionHeads * hd, kvRows = c.NumKeyValueHeads * hd, inter = c.IntermediateSize;
        Layers = new Layer[c.NumHiddenLayers];
        for (int l = 0; l < Layers.Length; l++)
        {
            string p = $"model.layers.{l}.";
            var qkvBias = c.QkvBias ? Concat(Read(p + "self_attn.q_proj.bias"), Read(p + "self_attn.k_proj.bias"), Read(p + "self_attn.v_proj.bias")) : null;
            var qkv = Concat(Read(p + "self_attn.q_proj.weight"), Read(p + "self_attn.k_proj.weight"), Read(p + "self_attn.v_proj.weight"));
            var gateUp = Concat(Read(p + "mlp.gate_proj.weight"), Read(p + "mlp.up_proj.weight"));
            var gateUpBias = c.MlpProjBias ? Concat(Read(p + "mlp.gate_proj.bias"), Read(p + "mlp.up_proj.bias")) : null;
            Layers[l] = new Layer(
                Read(p + "input_layernorm.weight"),
                new PackedMatrix(qkv, qRows + 2 * kvRows, h, format, qkvBias, simd),
                new PackedMatrix(Read(p + "self_attn.o_proj.weight"), h, qRows, format, c.OProjBias ? Read(p + "self_attn.o_proj.bias") : null, simd),
                Read(p + "post_attention_layernorm.weight"),
                new PackedMatrix(gateUp, 2 * inter, h, format, gateUpBias, simd),
                new PackedMatrix(Read(p + "mlp.down_proj.weight"), h, inter, format, c.MlpProjBias ? Optional(p + "mlp.down_proj.bias") : null, simd),
                c.LayerSlidingWindow(l));
        }
        Embedding = Read("model.embed_tokens.weight");
        FinalNorm = Read("model.norm.weight");
        Head = new PackedMatrix(c.TieWordEmbeddings ? Embedding : Read("lm_head.weight"), c.VocabSize, h, format, null, simd);
    }

    public Layer[] Layers { get; }
    public float[] Embedding { get; }
    public float[] FinalNorm { get; }
    public PackedMatrix Head { get; }

    /// <summary>Weight bytes one decode step streams: every layer's projections and the output head.</summary>
    public long BytesPerToken => Layers.Sum(l => l.Qkv.WeightBytes + l.Output.WeightBytes + l.GateUp.WeightBytes + l.Down.WeightBytes) + Head.WeightBytes;
}
