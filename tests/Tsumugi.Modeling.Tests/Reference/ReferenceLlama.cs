using TorchSharp;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Reference;

/// <summary>
/// A plain float64 re-implementation of the HF Llama/Mistral/Mixtral forward, written straight from the math in
/// reference/training.md §1.3 (llm.c style: a slow, obvious path to check the fast one against). It reads the
/// model's weights by HF name and shares no code with Tsumugi.Modeling: eager attention with an explicit mask,
/// RoPE angles computed in C# doubles, per-token expert routing.
/// </summary>
public static class ReferenceLlama
{
    public static Tensor Logits(LlamaForCausalLM model, long[,] ids, int[,]? documents = null)
    {
        var c = model.Config;
        var w = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to_type(ScalarType.Float64));
        int b = ids.GetLength(0), t = ids.GetLength(1);
        int heads = c.NumAttentionHeads, kvHeads = c.NumKeyValueHeads, d = c.HeadDim;
        var positions = new long[b, t];
        var allowed = new bool[b, t, t];
        for (int r = 0; r < b; r++)
            for (int i = 0; i < t; i++)
            {
                bool newDoc = i == 0 || documents is null || documents[r, i] != documents[r, i - 1];
                positions[r, i] = newDoc ? (documents is null ? i : 0) : positions[r, i - 1] + 1;
                for (int j = 0; j <= i; j++)
                    allowed[r, i, j] = (documents is null || documents[r, i] == documents[r, j])
                                       && (c.SlidingWindow is not { } win || j > i - win);
            }

        var idTensor = tensor(Flatten(ids), [b, t]);
        var x = w["model.embed_tokens.weight"].index_select(0, idTensor.reshape(-1)).reshape(b, t, c.HiddenSize);
        var (cos, sin) = RopeTables(c, positions);
        var mask = tensor(FlattenMask(allowed), [b, 1, t, t]);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            var h = RmsNorm(x, w[p + "input_layernorm.weight"], c.RmsNormEps);
            var q = Linear(h, w, p + "self_attn.q_proj").reshape(b, t, heads, d).transpose(1, 2);
            var k = Linear(h, w, p + "self_attn.k_proj").reshape(b, t, kvHeads, d).transpose(1, 2);
            var v = Linear(h, w, p + "self_attn.v_proj").reshape(b, t, kvHeads, d).transpose(1, 2);
            q = Rotate(q, cos, sin);
            k = Rotate(k, cos, sin);
            var kvIndex = tensor(Enumerable.Range(0, heads).Select(hh => (long)(hh / (heads / kvHeads))).ToArray());
            k = k.index_select(1, kvIndex);
            v = v.index_select(1, kvIndex);
            var scores = matmul(q, k.transpose(2, 3)) / Math.Sqrt(d);
            scores = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
            var attn = matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b, t, heads * d);
            x = x + Linear(attn, w, p + "self_attn.o_proj");
            var h2 = RmsNorm(x, w[p + "post_attention_layernorm.weight"], c.RmsNormEps);
            x = x + (c.IsMoE ? Moe(h2, w, p + "block_sparse_moe.", c) : Mlp(h2, w, p + "mlp.", "gate_proj", "up_proj", "down_proj"));
        }
        x = RmsNorm(x, w["model.norm.weight"], c.RmsNormEps);
        var head = c.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"];
        return matmul(x, head.t());
    }

    static Tensor Linear(Tensor x, Dictionary<string, Tensor> w, string name)
    {
        var y = matmul(x, w[name + ".weight"].t());
        return w.TryGetValue(name + ".bias", out var bias) ? y + bias : y;
    }

    static Tensor RmsNorm(Tensor x, Tensor weight, double eps) =>
        x / (x.pow(2).mean([-1], keepdim: true) + eps).sqrt() * weight;

    static Tensor Mlp(Tensor x, Dictionary<string, Tensor> w, string p, string gate, string up, string down)
    {
        var g = Linear(x, w, p + gate);
        return Linear(g * g.sigmoid() * Linear(x, w, p + up), w, p + down);
    }

    /// <summary>Per token: softmax over experts, keep the top k, renormalise, mix the chosen experts' outputs.</summary>
    static Tensor Moe(Tensor x, Dictionary<string, Tensor> w, string p, LlamaConfig c)
    {
        long b = x.shape[0], t = x.shape[1];
        var flat = x.reshape(b * t, -1);
        var probs = matmul(flat, w[p + "gate.weight"].t()).softmax(-1);
        var rows = new List<Tensor>();
        for (long n = 0; n < b * t; n++)
        {
            var pr = probs[n].data<double>().ToArray();
            var top = Enumerable.Range(0, pr.Length).OrderByDescending(e => pr[e]).Take(c.NumExpertsPerTok).ToArray();
            double norm = top.Sum(e => pr[e]);
            var token = flat[n].unsqueeze(0);
            var y = zeros_like(token);
            foreach (var e in top) y = y + pr[e] / norm * Mlp(token, w, $"{p}experts.{e}.", "w1", "w3", "w2");
            rows.Add(y);
        }
        return cat(rows.ToArray(), 0).reshape(b, t, -1);
    }

    /// <summary>cos/sin [B, 1, T, D] with angle(pos, i) = pos · θ^(−2(i mod D/2)/D), computed in doubles.</summary>
    static (Tensor, Tensor) RopeTables(LlamaConfig c, long[,] positions)
    {
        int b = positions.GetLength(0), t = positions.GetLength(1), d = c.HeadDim;
        var cos = new double[b * t * d];
        var sin = new double[b * t * d];
        for (int r = 0; r < b; r++)
            for (int i = 0; i < t; i++)
                for (int j = 0; j < d; j++)
                {
                    double freq = 1.0 / Math.Pow(c.RopeTheta, 2.0 * (j % (d / 2)) / d);
                    if (c.RopeScaling is { Type: "linear" } s) freq /= s.Factor;
                    double angle = positions[r, i] * freq;
                    cos[(r * t + i) * d + j] = Math.Cos(angle);
                    sin[(r * t + i) * d + j] = Math.Sin(angle);
                }
        return (tensor(cos, [b, 1, t, d]), tensor(sin, [b, 1, t, d]));
    }

    /// <summary>Rotates each pair (i, i + D/2): (a, b) → (a·cos − b·sin, b·cos + a·sin).</summary>
    static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var a = x.narrow(-1, 0, half);
        var bb = x.narrow(-1, half, half);
        var c1 = cos.narrow(-1, 0, half);
        var s1 = sin.narrow(-1, 0, half);
        return cat([a * c1 - bb * s1, bb * c1 + a * s1], -1);
    }

    static long[] Flatten(long[,] a) => a.Cast<long>().ToArray();
    static bool[] FlattenMask(bool[,,] a) => a.Cast<bool>().ToArray();
}
