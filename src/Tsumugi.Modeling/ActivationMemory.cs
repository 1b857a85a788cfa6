namespace Tsumugi.Modeling;

/// <summary>
/// What autograd keeps between a training forward and its backward, per micro-batch of B rows × T tokens, counted
/// from the tensors our layers save (not Megatron's sbh(34 + 5as/h), which assumes dropout masks and a materialised
/// attention matrix). Per token, in elements of the activation dtype:
/// <list type="bullet">
/// <item>each decoder layer: 2h (input and output of input_layernorm) + q + 2kv (projections) + 2(q + kv) (RoPE: the
/// rotated q, k and their rotate_half copies) + 2q (SDPA output and its reshaped copy for o_proj) + 2h
/// (post_attention_layernorm) + 4i (gate, up, silu(gate), silu·up) = 4h + 5q + 4kv + 4i, where q = heads·head_dim,
/// kv = kv_heads·head_dim, i = intermediate (MoE: top_k experts' MLP per token plus the router's E logits);</item>
/// <item>the head: embeddings output h + final norm 2h, and 3V fp32 whatever the weights (logits, their fp32
/// log-softmax and the shifted copy the loss reads).</item>
/// </list>
/// CPU SDPA (flash) keeps no T×T matrix. With activation checkpointing a layer keeps only its input (h) between
/// forward and backward (<see cref="KeptBytes"/>), and backward holds one recomputed layer at a time on top
/// (<see cref="PeakBytes"/>). Calibrated against glibc's heap in-use count by ActivationMemoryTests.
/// </summary>
public static class ActivationMemory
{
    /// <summary>Elements kept per token by one decoder layer without checkpointing.</summary>
    public static long PerLayerElementsPerToken(LlamaConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        long mlp = c.IsMoE ? 4L * c.IntermediateSize * c.NumExpertsPerTok + c.NumLocalExperts : 4L * c.IntermediateSize;
        return 4 * h + 5 * q + 4 * kv + mlp;
    }

    /// <summary>Bytes held between forward and backward by one micro-batch (<paramref name="bytesPerElement"/>: 4 fp32, 2 bf16).</summary>
    public static double KeptBytes(LlamaConfig c, long batch, long seqLength, int bytesPerElement, bool checkpointing)
    {
        double layer = checkpointing ? c.HiddenSize : PerLayerElementsPerToken(c);
        var head = 3.0 * c.HiddenSize * bytesPerElement + 3.0 * c.VocabSize * 4;
        return (double)batch * seqLength * (c.NumHiddenLayers * layer * bytesPerElement + head);
    }

    /// <summary>The activation peak of one micro-batch: what is kept, plus the layer being recomputed when checkpointing.</summary>
    public static double PeakBytes(LlamaConfig c, long batch, long seqLength, int bytesPerElement, bool checkpointing) =>
        KeptBytes(c, batch, seqLength, bytesPerElement, checkpointing)
        + (checkpointing ? (double)batch * seqLength * PerLayerElementsPerToken(c) * bytesPerElement : 0);
}
