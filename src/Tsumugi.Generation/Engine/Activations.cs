using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// The input rows of a projection: f32 values [rows × cols], rows allocated in multiples of four so the multi-row
/// kernels always run whole 2 × 4 tiles (rows past the live count hold stale finite values; their outputs are never
/// read), and, for Q8_0 weights, the same rows quantized to Q8_0 blocks as llama.cpp's quantize_row_q8_0 does.
/// </summary>
sealed class Activations
{
    public Activations(int maxRows, int cols)
    {
        Cols = cols;
        Capacity = PaddedRows(maxRows);
        Values = new float[Capacity * cols];
        if (cols % Q8Kernels.Block == 0)
        {
            Quantized = new sbyte[Capacity * cols];
            Magnitudes = new byte[Capacity * cols];
            Scales = new float[Capacity * cols / Q8Kernels.Block];
        }
    }

    public static int PaddedRows(int rows) => (rows + 3) / 4 * 4;

    public int Cols { get; }
    public int Capacity { get; }
    public float[] Values { get; }
    public sbyte[]? Quantized { get; }
    /// <summary>|q| of <see cref="Quantized"/>, the unsigned operand of vpdpbusd.</summary>
    public byte[]? Magnitudes { get; }
    /// <summary>One scale per 32 values, rounded through f16 like a Q8_0 block's.</summary>
    public float[]? Scales { get; }

    public Span<float> Row(int r) => Values.AsSpan(r * Cols, Cols);

    /// <summary>
    /// Q8_0 of the first <paramref name="rows"/> rows: per block d = max|x| / 127, q = round(x / d) (to nearest even,
    /// as llama.cpp's AVX quantizer rounds).
    /// </summary>
    public void Quantize(int rows)
    {
        if (Quantized is null) throw new InvalidOperationException($"{Cols} columns are not whole Q8_0 blocks of {Q8Kernels.Block}.");
        int blocks = rows * Cols / Q8Kernels.Block;
        for (int b = 0; b < blocks; b++)
        {
            var x = Values.AsSpan(b * Q8Kernels.Block, Q8Kernels.Block);
            float d = TensorPrimitives.MaxMagnitude(x) is var m && m < 0 ? -m / 127f : m / 127f;
            float inverse = d != 0 ? 1f / d : 0f;
            Scales![b] = HalfBits.FromF16(BitConverter.HalfToInt16Bits((Half)d));
            if (Avx512F.IsSupported) QuantizeBlock(ref x[0], inverse, ref Quantized[b * Q8Kernels.Block], ref Magnitudes![b * Q8Kernels.Block]);
            else
                for (int k = 0; k < Q8Kernels.Block; k++)
                {
                    int q = (int)MathF.Round(x[k] * inverse);
                    Quantized[b * Q8Kernels.Block + k] = (sbyte)q;
                    Magnitudes![b * Q8Kernels.Block + k] = (byte)Math.Abs(q);
                }
        }
    }

    /// <summary>32 values × inverse, rounded to nearest even (the conversion's default mode), narrowed to int8, with their magnitudes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void QuantizeBlock(ref float x, float inverse, ref sbyte q, ref byte magnitude)
    {
        var scale = Vector512.Create(inverse);
        var low = Avx512F.ConvertToVector128SByte(Avx512F.ConvertToVector512Int32(Vector512.LoadUnsafe(ref x) * scale));
        var high = Avx512F.ConvertToVector128SByte(Avx512F.ConvertToVector512Int32(Vector512.LoadUnsafe(ref x, 16) * scale));
        low.StoreUnsafe(ref q);
        high.StoreUnsafe(ref q, 16);
        Vector128.Abs(low).AsByte().StoreUnsafe(ref magnitude);
        Vector128.Abs(high).AsByte().StoreUnsafe(ref magnitude, 16);
    }
}
