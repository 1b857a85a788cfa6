using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// Pre-norm block: h = x + attn(norm(x)); out = h + ffn(norm(h)). The FFN is a gated MLP or a sparse MoE. With
/// sandwich norms (Gemma 2) the attention and MLP outputs are normalised before their residual adds:
/// h = x + post_attention_layernorm(attn(input_layernorm(x))); out = h + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h))).
/// </summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    readonly RMSNorm input_layernorm, post_attention_layernorm;
    readonly RMSNorm? pre_feedforward_layernorm, post_feedforward_layernorm;
    readonly LlamaAttention self_attn;
    readonly LlamaMLP? mlp;
    readonly MixtralSparseMoeBlock? block_sparse_moe;
    readonly int _index;

    public LlamaDecoderLayer(LlamaConfig c, int index) : base(nameof(LlamaDecoderLayer))
    {
        _index = index;
        input_layernorm = new RMSNorm(c.HiddenSize, c.RmsNormEps, c.NormAddsOne);
        post_attention_layernorm = new RMSNorm(c.HiddenSize, c.RmsNormEps, c.NormAddsOne);
        if (c.SandwichNorms)
        {
            pre_feedforward_layernorm = new RMSNorm(c.HiddenSize, c.RmsNormEps, c.NormAddsOne);
            post_feedforward_layernorm = new RMSNorm(c.HiddenSize, c.RmsNormEps, c.NormAddsOne);
        }
        self_attn = new LlamaAttention(c, index);
        if (c.IsMoE) block_sparse_moe = new MixtralSparseMoeBlock(c);
        else mlp = new LlamaMLP(c);
        RegisterComponents();
    }

    /// <param name="routerLogits">Set for MoE layers, null for dense ones.</param>
    /// <remarks>
    /// The layer's temporaries that autograd does not keep (the q/k projections before rotary, the attention and MLP
    /// outputs before their residual adds…) are freed when the layer returns rather than at the end of a training
    /// step's dispose scope, where they would stay resident through the whole backward. What the backward needs is
    /// held by the graph itself.
    /// </remarks>
    public Tensor Forward(Tensor x, AttentionContext ctx, out Tensor? routerLogits)
    {
        using var scope = NewDisposeScope();
        var attention = self_attn.Forward(input_layernorm.forward(x), ctx, _index);
        if (post_feedforward_layernorm is not null) attention = post_attention_layernorm.forward(attention);
        var h = x.Plus(attention); // Plus, not +: see StableScalars
        var normed = (pre_feedforward_layernorm ?? post_attention_layernorm).forward(h);
        routerLogits = null;
        Tensor output;
        if (block_sparse_moe is not null) output = h.Plus(block_sparse_moe.Forward(normed, out routerLogits));
        else output = h.Plus(post_feedforward_layernorm is { } post ? post.forward(mlp!.forward(normed)) : mlp!.forward(normed));
        routerLogits?.MoveToOuterDisposeScope();
        return output.MoveToOuterDisposeScope();
    }
}
