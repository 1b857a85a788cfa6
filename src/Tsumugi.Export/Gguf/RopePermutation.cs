namespace Tsumugi.Export.Gguf;

/// <summary>
/// HF Llama applies RoPE with rotate_half (dimension i of a head pairs with i + head_dim/2); llama.cpp's llama
/// architecture uses rope type NORM, which pairs adjacent dimensions (2i, 2i+1). Reordering the output rows of
/// Wq and Wk per head — row h·d + 2i + j takes HF row h·d + j·d/2 + i — makes llama.cpp's rotation compute exactly
/// HF's attention scores (q·k is invariant under the same permutation of both). This is convert_hf_to_gguf.py's
/// <c>LlamaModel.permute</c>: reshape(n_head, 2, d/2, in).swapaxes(1, 2).reshape(out, in).
/// </summary>
public static class RopePermutation
{
    /// <summary>
    /// Permutes the rows of a row-major [<paramref name="heads"/>·d, <paramref name="columns"/>] matrix (or a bias,
    /// with columns = 1) from HF's half-split layout to llama.cpp's interleaved layout. K uses the KV head count.
    /// </summary>
    public static float[] HfToGguf(ReadOnlySpan<float> weights, int heads, int columns)
    {
        if (heads <= 0 || columns <= 0 || weights.Length % (heads * columns) != 0)
            throw new ArgumentException($"cannot split {weights.Length} values into {heads} heads of rows with {columns} columns");
        int headDim = weights.Length / columns / heads;
        if (headDim % 2 != 0) throw new ArgumentException($"RoPE needs an even head dimension, got {headDim}");
        int half = headDim / 2;
        var result = new float[weights.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                {
                    int source = h * headDim + j * half + i;
                    int target = h * headDim + 2 * i + j;
                    weights.Slice(source * columns, columns).CopyTo(result.AsSpan(target * columns, columns));
                }
        return result;
    }
}
