using System.Globalization;

namespace Tsumugi.Export.Gguf;

/// <summary>What the per-tensor type choice needs to know about the model.</summary>
/// <param name="LayerCount">Decoder layers (llama.cpp's n_layer).</param>
/// <param name="ExpertCount">Experts per MoE layer; 0 for a dense model.</param>
/// <param name="TiedEmbeddings">No output.weight: token_embd is also the output projection.</param>
public sealed record GgufModelShape(int LayerCount, int ExpertCount, bool TiedEmbeddings);

/// <summary>
/// The type each tensor is stored in, as llama.cpp's <c>llama_tensor_get_type</c> (src/llama-quant.cpp) picks it
/// when llama-quantize converts an F16 file without an importance matrix, so an exported Q4_K_M file has the same
/// layout as one quantized by llama.cpp:
/// <list type="bullet">
/// <item>vectors (norms) and the MoE router <c>ffn_gate_inp</c> stay F32;</item>
/// <item>output.weight (token_embd when tied) gets Q6_K in every quantized file (Q8_0 in a Q8_0 file);</item>
/// <item>Q4_K_M and Q5_K_M give Q6_K to attn_v and ffn_down in the "use_more_bits" layers (the first and last eighth
/// and every third layer between);</item>
/// <item>an 8-expert model (Mixtral-8x7B) gets Q8_0 attn_v/attn_k and, in Q4_K_M, Q5_K attn_output;</item>
/// <item>a row length (ne0) that is not a multiple of the block size falls back: Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0,
/// and to F16 when even 32 does not divide it (llama.cpp's <c>tensor_type_fallback</c>; for Q4_0/Q8_0, where
/// llama.cpp has no fallback, F16 as gguf-py does).</item>
/// </list>
/// </summary>
public static class GgufTensorTypeRules
{
    /// <param name="name">GGUF tensor name (blk.N.attn_v.weight …).</param>
    /// <param name="shape">PyTorch shape; the last entry is ggml's ne0, the row length.</param>
    public static GgufTensorType Choose(string name, long[] shape, GgufFileType fileType, GgufModelShape model)
    {
        if (shape.Length == 1 || fileType == GgufFileType.AllF32 || name.Contains("ffn_gate_inp")) return GgufTensorType.F32;
        var type = GgufFileTypes.BaseType(fileType);
        if (!GgufFileTypes.IsQuantized(fileType)) return type;
        type = Mixture(name, shape[^1], type, fileType, model);
        return Fallback(type, shape[^1]);
    }

    /// <summary>llama.cpp's <c>use_more_bits</c>: the first and last eighth of the layers and every third one between.</summary>
    public static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    /// <summary>A type whose block size divides <paramref name="rowLength"/> (llama.cpp's <c>tensor_type_fallback</c>).</summary>
    public static GgufTensorType Fallback(GgufTensorType type, long rowLength)
    {
        if (rowLength % GgufQuantizer.BlockSize(type) == 0) return type;
        var fallback = type switch
        {
            GgufTensorType.Q4_K => GgufTensorType.Q5_0,
            GgufTensorType.Q5_K => GgufTensorType.Q5_1,
            GgufTensorType.Q6_K => GgufTensorType.Q8_0,
            _ => GgufTensorType.F16,
        };
        return rowLength % GgufQuantizer.BlockSize(fallback) == 0 ? fallback : GgufTensorType.F16;
    }

    static GgufTensorType Mixture(string name, long rowLength, GgufTensorType type, GgufFileType fileType, GgufModelShape model)
    {
        bool mixture = fileType is GgufFileType.MostlyQ4_K_M or GgufFileType.MostlyQ5_K_M;
        if (name == "output.weight" || (model.TiedEmbeddings && name == "token_embd.weight"))
        {
            if (rowLength % GgufQuantizer.BlockSize(type) != 0) return GgufTensorType.Q8_0;
            return type == GgufTensorType.Q8_0 ? type : GgufTensorType.Q6_K;
        }
        if (name == "token_embd.weight") return type;
        if (name.Contains("attn_v.weight"))
        {
            if (mixture && UseMoreBits(Layer(name, model), model.LayerCount)) type = GgufTensorType.Q6_K;
            return model.ExpertCount == 8 ? GgufTensorType.Q8_0 : type;
        }
        if (name.Contains("attn_k.weight")) return model.ExpertCount == 8 ? GgufTensorType.Q8_0 : type;
        if (name.Contains("ffn_down"))
            return mixture && UseMoreBits(Layer(name, model), model.LayerCount) ? GgufTensorType.Q6_K : type;
        if (name.Contains("attn_output.weight") && model.ExpertCount == 8 && fileType == GgufFileType.MostlyQ4_K_M)
            return GgufTensorType.Q5_K;
        return type;
    }

    /// <summary>
    /// N of "blk.N.": llama.cpp counts attn_v/ffn_down tensors in its loader's order, which sorts by layer, so the
    /// count is the layer index.
    /// </summary>
    static int Layer(string name, GgufModelShape model)
    {
        var parts = name.Split('.');
        if (parts.Length < 3 || parts[0] != "blk" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var layer)
            || layer >= model.LayerCount)
            throw new ArgumentException($"GGUF tensor '{name}' has no layer index below {model.LayerCount} (blk.N.…)");
        return layer;
    }
}
