using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// Q8_0 × Q8_0 dot products (llama.cpp's blocks: 32 int8 values and one f16 scale d, value = d · q), with the
/// activations quantized to Q8_0 too (<see cref="Activations.Quantize"/>), as llama.cpp does on x86.
///
/// The layout is chosen so a block's int32 sum never needs a horizontal add. Columns are packed in groups of 8 blocks
/// (256 values) and interleaved: the t-th 32 bytes of a group hold bytes 4t…4t+3 of each of its 8 blocks, so one VNNI
/// vpdpbusd (four u8 × s8 products summed into each int32 lane) adds 4 products of block j into lane j, and 8 of them
/// leave the 8 exact block sums in the 8 lanes — which one f32 FMA then scales by d_w · d_x. vpdpbusd multiplies
/// unsigned by signed, so weights are stored as q + 128 (u8) and the activation side carries 128 · Σq_x per block
/// (<see cref="Activations.Offsets"/>), subtracted once per group: Σ(q_w + 128)·q_x − 128·Σq_x = Σ q_w·q_x, exact in
/// int32. Per 256 weights that is 8 dot instructions and a handful of scale ops, so one row streams at memory speed
/// and a batch of rows reuses each group while it is in L1. Scales stay f16 as in the file format (34 bytes per 32
/// weights, the bytes llama.cpp reads); a row whose width is not a multiple of 256 is padded with zero blocks.
/// </summary>
static class Q8Kernels
{
    public const int Block = 32;
    /// <summary>Columns per interleaved group: 8 blocks, one int32 lane each in a 256-bit register.</summary>
    public const int Group = 256;
    public const int BlocksPerGroup = Group / Block;
    /// <summary>Added to each weight so it is the unsigned operand of vpdpbusd.</summary>
    public const int WeightBias = 128;

    public static bool Supported => AvxVnni.IsSupported && Avx2.IsSupported && Fma.IsSupported;

    public static int PaddedCols(int cols) => (cols + Group - 1) / Group * Group;

    /// <summary>Where column <paramref name="k"/> of a row lives in the interleaved layout.</summary>
    public static int Position(int k)
    {
        int group = k / Group, block = k % Group / Block, inBlock = k % Block;
        return group * Group + inBlock / 4 * 32 + block * 4 + inBlock % 4;
    }

    /// <summary>
    /// 8 f16 scales as f32: the 15 value bits shifted into f32 position and the exponent rebiased by × 2¹¹² — exact for
    /// normal and subnormal f16 alike (scales are never negative, so there is no sign bit to keep).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Scales(ref ushort source, nuint at) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, at)), 13).AsSingle()
        * Vector256.Create(0x77800000).AsSingle(); // 2¹¹² (a constant the JIT folds; a static field costs an init check per use)

    /// <summary>
    /// One group's 8 block sums (plus the +128 bias): 8 vpdpbusd, unrolled — as a loop the JIT kept the accumulators
    /// on the stack between iterations, putting a store-to-load round trip on every dot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> GroupDot(ref byte w, ref sbyte x)
    {
        var s = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.LoadUnsafe(ref w), Vector256.LoadUnsafe(ref x));
        s = AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 32), Vector256.LoadUnsafe(ref x, 32));
        s = AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 64), Vector256.LoadUnsafe(ref x, 64));
        s = AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 96), Vector256.LoadUnsafe(ref x, 96));
        s = AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 128), Vector256.LoadUnsafe(ref x, 128));
        s = AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 160), Vector256.LoadUnsafe(ref x, 160));
        s = AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 192), Vector256.LoadUnsafe(ref x, 192));
        return AvxVnni.MultiplyWideningAndAdd(s, Vector256.LoadUnsafe(ref w, 224), Vector256.LoadUnsafe(ref x, 224));
    }

    /// <summary>The 8 exact block sums of one group, scaled by d_w · d_x, added to <paramref name="total"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Scaled(Vector256<int> sums, Vector256<int> offsets, Vector256<float> scales, Vector256<float> total) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums - offsets), scales, total);

    /// <summary>result[j] = w_j · x for four weight rows (each a row start) and one activation row: four independent chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4(ref byte w0, ref byte w1, ref byte w2, ref byte w3, ref ushort d0, ref ushort d1, ref ushort d2, ref ushort d3,
        ref sbyte x, ref float dx, ref int offsets, int groups, Span<float> result)
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int g = 0; g < groups; g++)
        {
            int at = g * Group;
            ref sbyte xg = ref Unsafe.Add(ref x, at);
            var s0 = GroupDot(ref Unsafe.Add(ref w0, at), ref xg);
            var s1 = GroupDot(ref Unsafe.Add(ref w1, at), ref xg);
            var s2 = GroupDot(ref Unsafe.Add(ref w2, at), ref xg);
            var s3 = GroupDot(ref Unsafe.Add(ref w3, at), ref xg);
            nuint b = (nuint)(g * BlocksPerGroup);
            var o = Vector256.LoadUnsafe(ref offsets, b);
            var sx = Vector256.LoadUnsafe(ref dx, b);
            f0 = Scaled(s0, o, Scales(ref d0, b) * sx, f0);
            f1 = Scaled(s1, o, Scales(ref d1, b) * sx, f1);
            f2 = Scaled(s2, o, Scales(ref d2, b) * sx, f2);
            f3 = Scaled(s3, o, Scales(ref d3, b) * sx, f3);
        }
        (result[0], result[1], result[2], result[3]) = (Vector256.Sum(f0), Vector256.Sum(f1), Vector256.Sum(f2), Vector256.Sum(f3));
    }

    /// <summary>
    /// result[r] = w · x_r for one weight row and four activation rows <paramref name="xStride"/> bytes (and
    /// xStride / 32 blocks) apart: each weight vector loaded feeds four dot chains.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile1x4(ref byte w, ref ushort d, ref sbyte x, ref float dx, ref int offsets, int xStride, int groups, Span<float> result)
    {
        nuint xs = (nuint)xStride, bs = (nuint)(xStride / Block);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int g = 0; g < groups; g++)
        {
            int at = g * Group;
            ref byte wg = ref Unsafe.Add(ref w, at);
            ref sbyte xg = ref Unsafe.Add(ref x, at);
            var s0 = GroupDot(ref wg, ref xg);
            var s1 = GroupDot(ref wg, ref Unsafe.Add(ref xg, xs));
            var s2 = GroupDot(ref wg, ref Unsafe.Add(ref xg, 2 * xs));
            var s3 = GroupDot(ref wg, ref Unsafe.Add(ref xg, 3 * xs));
            nuint b = (nuint)(g * BlocksPerGroup);
            var dw = Scales(ref d, b);
            f0 = Scaled(s0, Vector256.LoadUnsafe(ref offsets, b), dw * Vector256.LoadUnsafe(ref dx, b), f0);
            f1 = Scaled(s1, Vector256.LoadUnsafe(ref offsets, bs + b), dw * Vector256.LoadUnsafe(ref dx, bs + b), f1);
            f2 = Scaled(s2, Vector256.LoadUnsafe(ref offsets, 2 * bs + b), dw * Vector256.LoadUnsafe(ref dx, 2 * bs + b), f2);
            f3 = Scaled(s3, Vector256.LoadUnsafe(ref offsets, 3 * bs + b), dw * Vector256.LoadUnsafe(ref dx, 3 * bs + b), f3);
        }
        (result[0], result[1], result[2], result[3]) = (Vector256.Sum(f0), Vector256.Sum(f1), Vector256.Sum(f2), Vector256.Sum(f3));
    }

    /// <summary>
    /// The same sum without SIMD, from the same packed rows: exact int32 block dots, each scaled by d_w · d_x into an
    /// f32 total in block order.
    /// </summary>
    public static float DotScalar(ReadOnlySpan<byte> w, ReadOnlySpan<ushort> dw, ReadOnlySpan<sbyte> x, ReadOnlySpan<float> dx)
    {
        float total = 0;
        for (int b = 0; b < dw.Length; b++)
        {
            int sum = 0;
            for (int k = b * Block; k < (b + 1) * Block; k++)
            {
                int at = Position(k);
                sum += (w[at] - WeightBias) * x[at];
            }
            total += sum * (HalfBits.FromF16((short)dw[b]) * dx[b]);
        }
        return total;
    }
}
