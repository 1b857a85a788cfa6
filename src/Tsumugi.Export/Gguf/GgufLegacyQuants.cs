namespace Tsumugi.Export.Gguf;

/// <summary>
/// ggml's 32-value block types Q4_0, Q5_0 and Q5_1 (ggml-common.h <c>block_q4_0</c>/<c>block_q5_0</c>/<c>block_q5_1</c>),
/// encoded with ggml-quants.c's reference algorithms (<c>quantize_row_*_ref</c>): one absolute-max or min/max scale per
/// block, values truncated after adding ½ exactly as the C casts do.
/// </summary>
static class GgufLegacyQuants
{
    public const int BlockSize = 32;

    /// <summary>d = max/−8 where max is the value of largest magnitude (sign kept), q = min(15, trunc(x/d + 8.5)).</summary>
    public static void EncodeQ4_0(ReadOnlySpan<float> x, Span<byte> block)
    {
        var (max, _) = SignedAbsMax(x);
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        BitConverter.TryWriteBytes(block, (Half)d);
        for (int j = 0; j < BlockSize / 2; j++)
        {
            int q0 = Math.Min(15, (int)(sbyte)(x[j] * id + 8.5f));
            int q1 = Math.Min(15, (int)(sbyte)(x[j + BlockSize / 2] * id + 8.5f));
            block[2 + j] = (byte)(q0 | (q1 << 4));
        }
    }

    public static void DecodeQ4_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = (float)BitConverter.ToHalf(block);
        for (int j = 0; j < BlockSize / 2; j++)
        {
            y[j] = ((block[2 + j] & 0x0F) - 8) * d;
            y[j + BlockSize / 2] = ((block[2 + j] >> 4) - 8) * d;
        }
    }

    /// <summary>d = max/−16, q = min(31, trunc(x/d + 16.5)); the fifth bits go to a little-endian uint32.</summary>
    public static void EncodeQ5_0(ReadOnlySpan<float> x, Span<byte> block)
    {
        var (max, _) = SignedAbsMax(x);
        float d = max / -16f;
        float id = d != 0 ? 1f / d : 0f;
        BitConverter.TryWriteBytes(block, (Half)d);
        Span<int> q = stackalloc int[BlockSize];
        for (int j = 0; j < BlockSize; j++) q[j] = Math.Min(31, (int)(sbyte)(x[j] * id + 16.5f));
        PackFiveBits(q, block[2..6], block[6..22]);
    }

    public static void DecodeQ5_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = (float)BitConverter.ToHalf(block);
        Span<int> q = stackalloc int[BlockSize];
        UnpackFiveBits(block[2..6], block[6..22], q);
        for (int j = 0; j < BlockSize; j++) y[j] = (q[j] - 16) * d;
    }

    /// <summary>d = (max − min)/31, m = min, q = trunc((x − min)/d + 0.5).</summary>
    public static void EncodeQ5_1(ReadOnlySpan<float> x, Span<byte> block)
    {
        float min = float.MaxValue, max = float.MinValue;
        foreach (var v in x)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 31f;
        float id = d != 0 ? 1f / d : 0f;
        BitConverter.TryWriteBytes(block, (Half)d);
        BitConverter.TryWriteBytes(block[2..], (Half)min);
        Span<int> q = stackalloc int[BlockSize];
        for (int j = 0; j < BlockSize; j++) q[j] = (byte)((x[j] - min) * id + 0.5f);
        PackFiveBits(q, block[4..8], block[8..24]);
    }

    public static void DecodeQ5_1(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = (float)BitConverter.ToHalf(block);
        float m = (float)BitConverter.ToHalf(block[2..]);
        Span<int> q = stackalloc int[BlockSize];
        UnpackFiveBits(block[4..8], block[8..24], q);
        for (int j = 0; j < BlockSize; j++) y[j] = q[j] * d + m;
    }

    /// <summary>The value of largest magnitude, first one on ties (ggml compares with a strict &lt;).</summary>
    static (float Max, float AbsMax) SignedAbsMax(ReadOnlySpan<float> x)
    {
        float amax = 0, max = 0;
        foreach (var v in x)
            if (amax < MathF.Abs(v))
            {
                amax = MathF.Abs(v);
                max = v;
            }
        return (max, amax);
    }

    /// <summary>Value j and j+16 share byte j (low, high nibble); bit 4 of value j is bit j of qh.</summary>
    static void PackFiveBits(ReadOnlySpan<int> q, Span<byte> qh, Span<byte> qs)
    {
        uint high = 0;
        for (int j = 0; j < BlockSize / 2; j++)
        {
            int q0 = q[j], q1 = q[j + BlockSize / 2];
            qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            high |= (uint)((q0 & 0x10) >> 4) << j;
            high |= (uint)((q1 & 0x10) >> 4) << (j + BlockSize / 2);
        }
        BitConverter.TryWriteBytes(qh, high);
    }

    static void UnpackFiveBits(ReadOnlySpan<byte> qh, ReadOnlySpan<byte> qs, Span<int> q)
    {
        uint high = BitConverter.ToUInt32(qh);
        for (int j = 0; j < BlockSize / 2; j++)
        {
            q[j] = (qs[j] & 0x0F) | (int)(((high >> j) & 1) << 4);
            q[j + BlockSize / 2] = (qs[j] >> 4) | (int)(((high >> (j + BlockSize / 2)) & 1) << 4);
        }
    }
}
