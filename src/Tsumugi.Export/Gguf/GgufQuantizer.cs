using System.Runtime.InteropServices;

namespace Tsumugi.Export.Gguf;

/// <summary>
/// Encodes float32 rows into ggml's on-disk tensor types and decodes them back, bit-compatible with ggml's block
/// structs (ggml-common.h) and using ggml-quants.c's reference algorithms (<c>quantize_row_*_ref</c>, what
/// llama-quantize runs without an importance matrix). Blocks are independent, so long tensors are encoded in parallel.
/// </summary>
public static class GgufQuantizer
{
    public const int Q8BlockSize = 32;
    /// <summary>Bytes per Q8_0 block: fp16 d + 32 × int8.</summary>
    public const int Q8BlockBytes = 2 + Q8BlockSize;

    delegate void BlockEncoder(ReadOnlySpan<float> values, Span<byte> block);
    delegate void BlockDecoder(ReadOnlySpan<byte> block, Span<float> values);

    /// <summary>Values per block (ggml's <c>blck_size</c>): 1 for F32/F16, 32 for Q4_0…Q8_0, 256 for the k-quants.</summary>
    public static int BlockSize(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 or GgufTensorType.F16 => 1,
        GgufTensorType.Q4_0 or GgufTensorType.Q5_0 or GgufTensorType.Q5_1 or GgufTensorType.Q8_0 => 32,
        GgufTensorType.Q4_K or GgufTensorType.Q5_K or GgufTensorType.Q6_K => GgufKQuants.SuperBlock,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Bytes per block (ggml's <c>type_size</c>, the size of the block struct).</summary>
    public static int BlockBytes(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 => 2,
        GgufTensorType.Q4_0 => 18,
        GgufTensorType.Q5_0 => 22,
        GgufTensorType.Q5_1 => 24,
        GgufTensorType.Q8_0 => Q8BlockBytes,
        GgufTensorType.Q4_K => 144,
        GgufTensorType.Q5_K => 176,
        GgufTensorType.Q6_K => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Bytes a tensor of <paramref name="count"/> values takes in <paramref name="type"/>.</summary>
    public static long ByteSize(GgufTensorType type, long count)
    {
        int block = BlockSize(type);
        if (count % block != 0) throw new ArgumentException($"{type} needs a multiple of {block} values, got {count}");
        return count / block * BlockBytes(type);
    }

    public static byte[] Encode(GgufTensorType type, ReadOnlySpan<float> values) => type switch
    {
        GgufTensorType.F32 => MemoryMarshal.AsBytes(values).ToArray(),
        GgufTensorType.F16 => ToF16(values),
        GgufTensorType.Q8_0 => QuantizeQ8_0(values),
        _ => EncodeBlocks(type, values.ToArray(), Encoder(type)),
    };

    /// <summary>The float32 values llama.cpp reads back from <paramref name="bytes"/> (ggml's <c>dequantize_row_*</c>).</summary>
    public static float[] Decode(GgufTensorType type, ReadOnlySpan<byte> bytes)
    {
        int blockBytes = BlockBytes(type), blockSize = BlockSize(type);
        if (bytes.Length % blockBytes != 0) throw new ArgumentException($"{type} data must be whole {blockBytes}-byte blocks, got {bytes.Length} bytes");
        switch (type)
        {
            case GgufTensorType.F32: return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            case GgufTensorType.F16: return MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray();
        }
        var decode = Decoder(type);
        var values = new float[bytes.Length / blockBytes * blockSize];
        for (int b = 0; b < bytes.Length / blockBytes; b++)
            decode(bytes.Slice(b * blockBytes, blockBytes), values.AsSpan(b * blockSize, blockSize));
        return values;
    }

    /// <summary>What a tensor stored as <paramref name="type"/> holds once llama.cpp reads it: decode(encode(x)).</summary>
    public static float[] RoundTrip(GgufTensorType type, ReadOnlySpan<float> values) =>
        type == GgufTensorType.F32 ? values.ToArray() : Decode(type, Encode(type, values));

    static BlockEncoder Encoder(GgufTensorType type) => type switch
    {
        GgufTensorType.Q4_0 => GgufLegacyQuants.EncodeQ4_0,
        GgufTensorType.Q5_0 => GgufLegacyQuants.EncodeQ5_0,
        GgufTensorType.Q5_1 => GgufLegacyQuants.EncodeQ5_1,
        GgufTensorType.Q8_0 => EncodeQ8_0Block,
        GgufTensorType.Q4_K => GgufKQuants.EncodeQ4_K,
        GgufTensorType.Q5_K => GgufKQuants.EncodeQ5_K,
        GgufTensorType.Q6_K => GgufKQuants.EncodeQ6_K,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    static BlockDecoder Decoder(GgufTensorType type) => type switch
    {
        GgufTensorType.Q4_0 => GgufLegacyQuants.DecodeQ4_0,
        GgufTensorType.Q5_0 => GgufLegacyQuants.DecodeQ5_0,
        GgufTensorType.Q5_1 => GgufLegacyQuants.DecodeQ5_1,
        GgufTensorType.Q8_0 => DecodeQ8_0Block,
        GgufTensorType.Q4_K => GgufKQuants.DecodeQ4_K,
        GgufTensorType.Q5_K => GgufKQuants.DecodeQ5_K,
        GgufTensorType.Q6_K => GgufKQuants.DecodeQ6_K,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Encodes chunks of blocks on the thread pool; each block depends only on its own values.</summary>
    static byte[] EncodeBlocks(GgufTensorType type, float[] values, BlockEncoder encode)
    {
        int blockSize = BlockSize(type), blockBytes = BlockBytes(type);
        var bytes = new byte[ByteSize(type, values.Length)];
        int blocks = values.Length / blockSize;
        const int blocksPerChunk = 256;
        int chunks = (blocks + blocksPerChunk - 1) / blocksPerChunk;
        Parallel.For(0, chunks, chunk =>
        {
            int end = Math.Min(blocks, (chunk + 1) * blocksPerChunk);
            for (int b = chunk * blocksPerChunk; b < end; b++)
                encode(values.AsSpan(b * blockSize, blockSize), bytes.AsSpan(b * blockBytes, blockBytes));
        });
        return bytes;
    }

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
    public static byte[] QuantizeQ8_0(ReadOnlySpan<float> values) =>
        EncodeBlocks(GgufTensorType.Q8_0, values.ToArray(), EncodeQ8_0Block);

    static void EncodeQ8_0Block(ReadOnlySpan<float> block, Span<byte> bytes)
    {
        float amax = 0;
        foreach (var x in block) amax = MathF.Max(amax, MathF.Abs(x));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        BitConverter.TryWriteBytes(bytes, (Half)d);
        for (int j = 0; j < Q8BlockSize; j++)
            bytes[2 + j] = unchecked((byte)(sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero));
    }

    static void DecodeQ8_0Block(ReadOnlySpan<byte> block, Span<float> values)
    {
        float d = (float)BitConverter.ToHalf(block);
        for (int j = 0; j < Q8BlockSize; j++) values[j] = d * (sbyte)block[2 + j];
    }

    /// <summary>x ≈ d · q: what llama.cpp reads back (used by tests and for reporting the error).</summary>
    public static float[] DequantizeQ8_0(ReadOnlySpan<byte> bytes) => Decode(GgufTensorType.Q8_0, bytes);
}
