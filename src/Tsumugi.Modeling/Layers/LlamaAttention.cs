using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// Multi-head attention with grouped-query K/V heads, HF rotary embeddings and SDPA; an eager path (scores in the
/// open, softmax in fp32) where SDPA cannot express the math: Gemma 2's score softcap and query_pre_attn_scalar scale.
/// </summary>
public sealed class LlamaAttention : nn.Module
{
    // Field names are state_dict keys, hence HF's snake_case.
    readonly AdaptableLinear q_proj, k_proj, v_proj, o_proj;
    readonly int _heads, _kvHeads, _headDim;
    readonly bool _windowed, _eager;
    // Long-lived Scalars for the eager path (see StableScalars).
    readonly Scalar _scale, _cap, _minusInfinity;
    readonly bool _capped;

    public LlamaAttention(LlamaConfig c, int layer) : base(nameof(LlamaAttention))
    {
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        _windowed = c.LayerSlidingWindow(layer) is not null;
        _capped = c.AttentionSoftcap is not null;
        _eager = _capped || Math.Abs(c.AttentionScale * Math.Sqrt(_headDim) - 1) > 1e-12;
        _scale = c.AttentionScale.ToScalar();
        _cap = (c.AttentionSoftcap ?? 1.0).ToScalar();
        _minusInfinity = double.NegativeInfinity.ToScalar();
        q_proj = new AdaptableLinear(c.HiddenSize, _heads * _headDim, c.QkvBias);
        k_proj = new AdaptableLinear(c.HiddenSize, _kvHeads * _headDim, c.QkvBias);
        v_proj = new AdaptableLinear(c.HiddenSize, _kvHeads * _headDim, c.QkvBias);
        o_proj = new AdaptableLinear(_heads * _headDim, c.HiddenSize, c.OProjBias);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, AttentionContext ctx, int layer)
    {
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, ctx.Cos, ctx.Sin);
        k = RotaryEmbedding.Apply(k, ctx.Cos, ctx.Sin);
        if (ctx.Cache is { } cache)
        {
            if (cache.DType != k.dtype) (q, k, v) = (q.to_type(cache.DType), k.to_type(cache.DType), v.to_type(cache.DType)); // attention in the cache's dtype
            (k, v) = ctx.RowWriteIndex is null ? cache.Append(layer, k, v) : cache.AppendRows(layer, k, v, ctx.RowWriteIndex, ctx.KeyLength);
        }
        var y = Attend(q, k, v, ctx).to_type(x.dtype);
        return o_proj.forward(y.transpose(1, 2).reshape(b, t, _heads * _headDim));
    }

    Tensor Attend(Tensor q, Tensor k, Tensor v, AttentionContext ctx)
    {
        var (mask, causal) = _windowed && ctx.WindowMask is { } window ? (window, false) : (ctx.Mask, ctx.Causal);
        if (_eager) return Eager(q, k, v, mask, causal);
        int groups = _heads / _kvHeads;
        long b = q.shape[0], t = q.shape[2];
        if (groups > 1 && t == 1 && (mask is null || mask.shape[2] == 1))
        {
            // Single-token decode with GQA: query head h uses KV head h / groups, so fold each group's queries into
            // one KV head's query rows instead of copying the whole cache `groups` times. A per-row key mask
            // [B, 1, 1, L] (ragged decode) broadcasts over the folded rows unchanged.
            var folded = q.reshape(b, _kvHeads, groups, _headDim);
            return nn.functional.scaled_dot_product_attention(folded, k, v, attn_mask: mask).reshape(b, _heads, 1, _headDim);
        }
        if (groups > 1)
        {
            k = RepeatKV(k, groups);
            v = RepeatKV(v, groups);
        }
        return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask, is_casual: causal);
    }

    /// <summary>HF Gemma2 eager attention: scores·scale, tanh softcap, mask, softmax in fp32 cast back, then ·V.</summary>
    Tensor Eager(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        int groups = _heads / _kvHeads;
        if (groups > 1)
        {
            k = RepeatKV(k, groups);
            v = RepeatKV(v, groups);
        }
        var scores = matmul(q, k.transpose(2, 3)).mul(_scale);
        if (_capped) scores = scores.div(_cap).tanh().mul(_cap);
        if (causal)
        {
            long t = q.shape[2], keys = k.shape[2];
            mask = ones(t, keys, dtype: ScalarType.Bool, device: q.device).tril(keys - t);
        }
        if (mask is not null) scores = scores.masked_fill(mask.logical_not(), _minusInfinity);
        var probs = nn.functional.softmax(scores, -1, ScalarType.Float32).to_type(q.dtype);
        return matmul(probs, v).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _scale.Dispose();
            _cap.Dispose();
            _minusInfinity.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>HF repeat_kv: [B, kv, T, D] → [B, kv·groups, T, D], each KV head repeated for its query group.</summary>
    static Tensor RepeatKV(Tensor x, int groups)
    {
        long b = x.shape[0], kv = x.shape[1], t = x.shape[2], d = x.shape[3];
        return x.unsqueeze(2).expand(b, kv, groups, t, d).reshape(b, kv * groups, t, d);
    }
}
