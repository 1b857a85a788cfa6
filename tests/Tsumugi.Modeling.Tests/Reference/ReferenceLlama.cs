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
        var windowed = new bool[b, t, t];
        bool gemma = c.ModelType == "gemma2";
        for (int r = 0; r < b; r++)
            for (int i = 0; i < t; i++)
            {
                bool newDoc = i == 0 || documents is null || documents[r, i] != documents[r, i - 1];
                positions[r, i] = newDoc ? (documents is null ? i : 0) : positions[r, i - 1] + 1;
                for (int j = 0; j <= i; j++)
                {
                    allowed[r, i, j] = documents is null || documents[r, i] == documents[r, j];
                    windowed[r, i, j] = allowed[r, i, j] && (c.SlidingWindow is not { } win || j > i - win);
                }
            }

        var idTensor = tensor(Flatten(ids), [b, t]);
        var x = w["model.embed_tokens.weight"].index_select(0, idTensor.reshape(-1)).reshape(b, t, c.HiddenSize);
        // Gemma 2: the normalizer is rounded to the model dtype (float32 here) before it multiplies.
        if (gemma) x = x * (double)(float)Math.Sqrt(c.HiddenSize);
        var (cos, sin) = RopeTables(c, positions);
        var fullMask = tensor(FlattenMask(allowed), [b, 1, t, t]);
        var windowMask = tensor(FlattenMask(windowed), [b, 1, t, t]);
        Tensor Norm(Tensor v, string name) => gemma ? RmsNorm(v, 1.0 + w[name], c.RmsNormEps) : RmsNorm(v, w[name], c.RmsNormEps);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            // HF: Gemma 2 windows its even layers, Qwen2 the layers from max_window_layers on (if enabled), Mistral all.
            bool hasWindow = c.ModelType switch
            {
                "gemma2" => l % 2 == 0,
                "qwen2" => c.UseSlidingWindow && l >= c.MaxWindowLayers,
                _ => true,
            };
            var mask = hasWindow ? windowMask : fullMask;
            var h = Norm(x, p + "input_layernorm.weight");
            var q = Linear(h, w, p + "self_attn.q_proj").reshape(b, t, heads, d).transpose(1, 2);
            var k = Linear(h, w, p + "self_attn.k_proj").reshape(b, t, kvHeads, d).transpose(1, 2);
            var v = Linear(h, w, p + "self_attn.v_proj").reshape(b, t, kvHeads, d).transpose(1, 2);
            q = Rotate(q, cos, sin);
            k = Rotate(k, cos, sin);
            var kvIndex = tensor(Enumerable.Range(0, heads).Select(hh => (long)(hh / (heads / kvHeads))).ToArray());
            k = k.index_select(1, kvIndex);
            v = v.index_select(1, kvIndex);
            var scores = matmul(q, k.transpose(2, 3)) / Math.Sqrt(gemma ? c.QueryPreAttnScalar!.Value : d);
            if (gemma && c.AttnLogitSoftcapping is { } cap) scores = (scores / cap).tanh() * cap;
            scores = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
            var attn = matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b, t, heads * d);
            var o = Linear(attn, w, p + "self_attn.o_proj");
            if (gemma)
            {
                x = x + Norm(o, p + "post_attention_layernorm.weight");
                var g = Norm(x, p + "pre_feedforward_layernorm.weight");
                x = x + Norm(Mlp(g, w, p + "mlp.", "gate_proj", "up_proj", "down_proj", gelu: true), p + "post_feedforward_layernorm.weight");
                continue;
            }
            x = x + o;
            var h2 = Norm(x, p + "post_attention_layernorm.weight");
            x = x + (c.IsMoE ? Moe(h2, w, p + "block_sparse_moe.", c) : Mlp(h2, w, p + "mlp.", "gate_proj", "up_proj", "down_proj"));
        }
        x = Norm(x, "model.norm.weight");
        var head = c.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"];
        var logits = matmul(x, head.t());
        return gemma && c.FinalLogitSoftcapping is { } final ? (logits / final).tanh() * final : logits;
    }

    static Tensor Linear(Tensor x, Dictionary<string, Tensor> w, string name)
    {
        var y = matmul(x, w[name + ".weight"].t());
        return w.TryGetValue(name + ".bias", out var bias) ? y + bias : y;
    }

    static Tensor RmsNorm(Tensor x, Tensor weight, double eps) =>
        x / (x.pow(2).mean([-1], keepdim: true) + eps).sqrt() * weight;

    static Tensor Mlp(Tensor x, Dictionary<string, Tensor> w, string p, string gate, string up, string down, bool gelu = false)
    {
        var g = Linear(x, w, p + gate);
        // gelu_pytorch_tanh: 0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³)))
        var act = gelu ? 0.5 * g * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (g + 0.044715 * g.pow(3))).tanh()) : g * g.sigmoid();
        return Linear(act * Linear(x, w, p + up), w, p + down);
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
                    if (c.RopeScaling is { Type: "llama3" } l3) freq = Llama3(freq, l3);
                    double angle = positions[r, i] * freq;
                    cos[(r * t + i) * d + j] = Math.Cos(angle);
                    sin[(r * t + i) * d + j] = Math.Sin(angle);
                }
        return (tensor(cos, [b, 1, t, d]), tensor(sin, [b, 1, t, d]));
    }

    /// <summary>HF `_compute_llama3_parameters`: wavelengths above old_context/low_freq_factor are divided by factor, those below old_context/high_freq_factor kept, a linear blend in between.</summary>
    static double Llama3(double freq, RopeScaling s)
    {
        double wavelength = 2 * Math.PI / freq;
        if (wavelength < s.OriginalMaxPositionEmbeddings / s.HighFreqFactor) return freq;
        if (wavelength > s.OriginalMaxPositionEmbeddings / s.LowFreqFactor) return freq / s.Factor;
        double smooth = (s.OriginalMaxPositionEmbeddings / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * freq / s.Factor + smooth * freq;
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
