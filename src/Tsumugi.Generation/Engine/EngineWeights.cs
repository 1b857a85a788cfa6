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
        using var noGrad = no_grad();
        var state = model.state_dict();
        float[] stacked = [];
        // Packs the named [rows × cols] weights, stacked by rows, from the tensors' own memory: reading each tensor
        // through data<float>().ToArray() and stacking with LINQ took ~3.7 s of the 125m preset's ~5 s engine load.
        PackedMatrix Pack(int cols, float[]? bias, params string[] names)
        {
            using var scope = NewDisposeScope();
            var tensors = names.Select(Tensor).ToArray();
            var rows = tensors.Length == 1 && tensors[0].numel() <= int.MaxValue / sizeof(float) ? View(tensors[0]) : Stack(tensors);
            return new PackedMatrix(rows, rows.Length / cols, cols, format, bias, simd);
        }
        ReadOnlySpan<float> Stack(Tensor[] tensors)
        {
            long length = tensors.Sum(t => t.numel());
            if (stacked.Length < length) stacked = new float[length]; // one buffer for every layer's stacks
            int at = 0;
            foreach (var t in tensors) { CopyTo(t, stacked.AsSpan(at, (int)t.numel())); at += (int)t.numel(); }
            return stacked.AsSpan(0, at);
        }
        float[] Read(string name)
        {
            using var scope = NewDisposeScope();
            return View(Tensor(name)).ToArray();
        }
        Tensor Tensor(string name) => state.TryGetValue(name, out var t)
            ? t.to_type(ScalarType.Float32).cpu().contiguous() : throw new InvalidDataException($"the model has no {name}");
        float[]? Optional(string name) => state.ContainsKey(name) ? Read(name) : null;
        float[] Concat(params float[][] parts) => [.. parts.SelectMany(p => p)];

        int h = c.HiddenSize, hd = c.HeadDim, inter = c.IntermediateSize;
        Layers = new Layer[c.NumHiddenLayers];
        for (int l = 0; l < Layers.Length; l++)
        {
            string p = $"model.layers.{l}.";
            var qkvBias = c.QkvBias ? Concat(Read(p + "self_attn.q_proj.bias"), Read(p + "self_attn.k_proj.bias"), Read(p + "self_attn.v_proj.bias")) : null;
            var gateUpBias = c.MlpProjBias ? Concat(Read(p + "mlp.gate_proj.bias"), Read(p + "mlp.up_proj.bias")) : null;
            Layers[l] = new Layer(
                Read(p + "input_layernorm.weight"),
                Pack(h, qkvBias, p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight"),
                Pack(c.NumAttentionHeads * hd, c.OProjBias ? Read(p + "self_attn.o_proj.bias") : null, p + "self_attn.o_proj.weight"),
                Read(p + "post_attention_layernorm.weight"),
                Pack(h, gateUpBias, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"),
                Pack(inter, c.MlpProjBias ? Optional(p + "mlp.down_proj.bias") : null, p + "mlp.down_proj.weight"),
                c.LayerSlidingWindow(l));
        }
        using (var scope = NewDisposeScope())
        {
            var embedding = Tensor("model.embed_tokens.weight");
            Embedding = new AlignedBuffer<float>(checked((int)embedding.numel())); // on huge pages, as the packed weights
            CopyTo(embedding, Embedding.AsSpan());
        }
        FinalNorm = Read("model.norm.weight");
        Head = c.TieWordEmbeddings ? new PackedMatrix(Embedding.AsSpan(), c.VocabSize, h, format, null, simd) : Pack(h, null, "lm_head.weight");
    }

    const long ChunkFloats = 1 << 24;

    /// <summary>Copies a contiguous f32 CPU tensor of any size, in chunks (<see cref="View"/> is limited to 2 GB).</summary>
    static void CopyTo(Tensor t, Span<float> destination)
    {
        using var flat = t.reshape(-1);
        for (long start = 0, n = t.numel(); start < n; start += ChunkFloats)
        {
            using var part = flat.narrow(0, start, Math.Min(ChunkFloats, n - start));
            View(part).CopyTo(destination[(int)start..]);
        }
    }

    /// <summary>A contiguous f32 CPU tensor's elements in place (valid while the tensor is), under 2 GB.</summary>
    static ReadOnlySpan<float> View(Tensor t) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.bytes);

    public Layer[] Layers { get; }
    public AlignedBuffer<float> Embedding { get; }
    public float[] FinalNorm { get; }
    public PackedMatrix Head { get; }

    /// <summary>Weight bytes one decode step streams: every layer's projections and the output head.</summary>
    public long BytesPerToken => Layers.Sum(l => l.Qkv.WeightBytes + l.Output.WeightBytes + l.GateUp.WeightBytes + l.Down.WeightBytes) + Head.WeightBytes;
}
