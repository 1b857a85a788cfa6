namespace Tsumugi.Export.Gguf;

/// <summary>
/// Encodes float32 rows into ggml's on-disk tensor types, bit-compatible with ggml's reference code
/// (ggml-quants.c <c>quantize_row_q8_0_ref</c>, <c>block_q8_0</c> in ggml-common.h).
/// </summary>
public static class GgufQuantizer
{
    public const int Q8BlockSize = 32;
    /// <summary>Bytes per Q8_0 block: fp16 d + 32 × int8.</summary>
    public const int Q8BlockBytes = 2 + Q8BlockSize;

    /// <summary>Bytes a tensor of <paramref name="count"/> values takes in <paramref name="type"/>.</summary>
    public static long ByteSize(GgufTensorType type, long count) => type switch
    {
        GgufTensorType.F32 => count * 4,
        GgufTensorType.F16 => count * 2,
        GgufTensorType.Q8_0 => count % Q8BlockSize == 0
            ? count / Q8BlockSize * Q8BlockBytes
            : throw new ArgumentException($"Q8_0 needs a multiple of {Q8BlockSize} values, got {count}"),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static byte[] Encode(GgufTensorType type, ReadOnlySpan<float> values) => type switch
    {
        GgufTensorType.F32 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray(),
        GgufTensorType.F16 => ToF16(values),
        GgufTensorType.Q8_0 => QuantizeQ8_0(values),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    static byte[] ToF16(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (Half)values[i]);
        return bytes;
    }

    /// <summary>
    /// Per block of 32: d = max|x| / 127 stored as fp16, q = round(x / d) with ggml's roundf (ties away from zero).
    /// Like ggml, q is computed with the fp32 d, not the rounded fp16 one.
    /// </summary>
    public static byte[] QuantizeQ8_0(ReadOnlySpan<float> values)
    {
        var bytes = new byte[ByteSize(GgufTensorType.Q8_0, values.Length)];
        for (int b = 0, offset = 0; b < values.Length; b += Q8BlockSize, offset += Q8BlockBytes)
        {
            var block = values.Slice(b, Q8BlockSize);
            float amax = 0;
            foreach (var x in block) amax = MathF.Max(amax, MathF.Abs(x));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            BitConverter.TryWriteBytes(bytes.AsSpan(offset), (Half)d);
            for (int j = 0; j < Q8BlockSize; j++)
                bytes[offset + 2 + j] = unchecked((byte)(sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero));
        }
        return bytes;
    }

    /// <summary>x ≈ d · q: what llama.cpp reads back (used by tests and for reporting the error).</summary>
    public static float[] DequantizeQ8_0(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % Q8BlockBytes != 0) throw new ArgumentException($"Q8_0 data must be whole {Q8BlockBytes}-byte blocks");
        var values = new float[bytes.Length / Q8BlockBytes * Q8BlockSize];
        for (int b = 0; b < bytes.Length / Q8BlockBytes; b++)
        {
            var block = bytes.Slice(b * Q8BlockBytes, Q8BlockBytes);
            float d = (float)BitConverter.ToHalf(block);
            for (int j = 0; j < Q8BlockSize; j++) values[b * Q8BlockSize + j] = d * (sbyte)block[2 + j];
        }
        return values;
    }
}
