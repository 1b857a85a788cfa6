using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// The input rows of a projection: f32 values [rows × cols], rows allocated in multiples of four so the multi-row
/// kernels always run whole tiles (rows past the live count hold stale finite values; their outputs are never read),
/// and, for Q8_0 weights, the same rows quantized to Q8_0 blocks as llama.cpp's quantize_row_q8_0 does, laid out for
/// <see cref="Q8Kernels"/>: interleaved groups of 8 blocks, rows padded to whole groups with zero blocks.
/// </summary>
sealed class Activations
{
    public Activations(int maxRows, int cols)
    {
        Cols = cols;
        Capacity = PaddedRows(maxRows);
        Values = new AlignedBuffer<float>(Capacity * cols);
        if (cols % Q8Kernels.Block == 0)
        {
            QuantizedCols = Q8Kernels.PaddedCols(cols);
            Quantized = new AlignedBuffer<sbyte>(Capacity * QuantizedCols);
            Scales = new float[Capacity * QuantizedCols / Q8Kernels.Block];
            Offsets = new int[Scales.Length];
        }
    }

    public static int PaddedRows(int rows) => (rows + 3) / 4 * 4;

    public int Cols { get; }
    public int Capacity { get; }
    /// <summary>64-byte aligned, as every row is (the column counts the kernels see are multiples of 16).</summary>
    public AlignedBuffer<float> Values { get; }
    /// <summary>Bytes per row of <see cref="Quantized"/>: <see cref="Cols"/> padded to whole interleaved groups.</summary>
    public int QuantizedCols { get; }
    /// <summary>The rows' Q8_0 values in <see cref="Q8Kernels"/>' interleaved layout.</summary>
    public AlignedBuffer<sbyte>? Quantized { get; }
    /// <summary>One scale per 32 values, rounded through f16 like a Q8_0 block's (0 for padding blocks).</summary>
    public float[]? Scales { get; }
    /// <summary>−128 · Σq per block: takes back what the weights' +128 bias adds to each block's dot product.</summary>
    public int[]? Offsets { get; }

    public Span<float> Row(int r) => Values.AsSpan(r * Cols, Cols);

    /// <summary>
    /// Q8_0 of the first <paramref name="rows"/> rows: per block d = max|x| / 127, q = round(x / d) (to nearest even,
    /// as llama.cpp's AVX quantizer rounds).
    /// </summary>
    public void Quantize(int rows)
    {
        if (Quantized is null) throw new InvalidOperationException($"{Cols} columns are not whole Q8_0 blocks of {Q8Kernels.Block}.");
        int blocks = Cols / Q8Kernels.Block, rowBlocks = QuantizedCols / Q8Kernels.Block;
        Span<sbyte> q = stackalloc sbyte[Q8Kernels.Block];
        var quads = MemoryMarshal.Cast<sbyte, int>(q); // a block's 8 runs of 4 bytes, each going to its own place
        var target = MemoryMarshal.Cast<sbyte, int>(Quantized.AsSpan());
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < blocks; b++)
            {
                var x = Values.AsSpan(r * Cols + b * Q8Kernels.Block, Q8Kernels.Block);
                float d = MaxMagnitude(x) / 127f;
                float inverse = d != 0 ? 1f / d : 0f;
                int sum = 0;
                if (Avx512F.IsSupported) sum = QuantizeBlock(ref x[0], inverse, ref q[0]);
                else
                    for (int k = 0; k < Q8Kernels.Block; k++) sum += q[k] = (sbyte)(int)MathF.Round(x[k] * inverse);
                // Run t of block j sits at int t·8 + j of its group (Q8Kernels.Position).
                int group = (r * QuantizedCols + b / Q8Kernels.BlocksPerGroup * Q8Kernels.Group) / 4 + b % Q8Kernels.BlocksPerGroup;
                for (int t = 0; t < quads.Length; t++) target[group + t * Q8Kernels.BlocksPerGroup] = quads[t];
                Scales![r * rowBlocks + b] = HalfBits.FromF16(BitConverter.HalfToInt16Bits((Half)d));
                Offsets![r * rowBlocks + b] = -Q8Kernels.WeightBias * sum;
            }
    }

    /// <summary>max |x| of one block, inline: a library call per 32 values cost as much as the quantization itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float MaxMagnitude(ReadOnlySpan<float> x)
    {
        if (!Vector512.IsHardwareAccelerated) return TensorPrimitives.MaxMagnitude(x) is var m && m < 0 ? -m : m;
        ref float start = ref MemoryMarshal.GetReference(x);
        var m512 = Vector512.Max(Vector512.Abs(Vector512.LoadUnsafe(ref start)), Vector512.Abs(Vector512.LoadUnsafe(ref start, 16)));
        var m256 = Vector256.Max(m512.GetLower(), m512.GetUpper());
        var m128 = Vector128.Max(m256.GetLower(), m256.GetUpper());
        return MathF.Max(MathF.Max(m128[0], m128[1]), MathF.Max(m128[2], m128[3]));
    }

    /// <summary>32 values × inverse, rounded to nearest even (the conversion's default mode), narrowed to int8; returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int QuantizeBlock(ref float x, float inverse, ref sbyte q)
    {
        var scale = Vector512.Create(inverse);
        var low = Avx512F.ConvertToVector512Int32(Vector512.LoadUnsafe(ref x) * scale);
        var high = Avx512F.ConvertToVector512Int32(Vector512.LoadUnsafe(ref x, 16) * scale);
        Avx512F.ConvertToVector128SByte(low).StoreUnsafe(ref q);
        Avx512F.ConvertToVector128SByte(high).StoreUnsafe(ref q, 16);
        return Vector512.Sum(low + high);
    }
}
