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
/// unsigned by signed, so weights are stored as q + 128 (u8) and the activation side carries −128 · Σq_x per block
/// (<see cref="Activations.Offsets"/>), the start of each group's sums: Σ(q_w + 128)·q_x − 128·Σq_x = Σ q_w·q_x, exact
/// in int32. Per 256 weights that is 8 dot instructions and a handful of scale ops, so one row streams at memory speed
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

    /// <summary>
    /// Bytes ahead of each row to prefetch while a group is summed: rows are contiguous, so this reaches the rows of the
    /// next tiles (one core's demand misses alone reached ~60 % of the copy bandwidth; 2–8 KiB ahead measured alike).
    /// </summary>
    const int PrefetchDistance = 4096;

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
    /// One group's 8 block sums, added to <paramref name="start"/> (the activations' offsets): 8 vpdpbusd, unrolled —
    /// as a loop the JIT kept the accumulators on the stack between iterations, a store-to-load trip on every dot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> GroupDot(Vector256<int> start, ref byte w, ref sbyte x)
    {
        var s = AvxVnni.MultiplyWideningAndAdd(start, Vector256.LoadUnsafe(ref w), Vector256.LoadUnsafe(ref x));
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
    static Vector256<float> Scaled(Vector256<int> sums, Vector256<float> scales, Vector256<float> total) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), scales, total);

    /// <summary>The four accumulators' totals into result[0..3]: three horizontal adds for all four, not one reduction each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store4(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3, Span<float> result)
    {
        var h = Avx.HorizontalAdd(Avx.HorizontalAdd(f0, f1), Avx.HorizontalAdd(f2, f3)); // [Σf0 Σf1 Σf2 Σf3] per 128-bit half
        (h.GetLower() + h.GetUpper()).CopyTo(result);
    }

    /// <summary>result[j] = w_j · x for four weight rows (each a row start) and one activation row: four independent chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4(ref byte w0, ref byte w1, ref byte w2, ref byte w3, ref ushort d0, ref ushort d1, ref ushort d2, ref ushort d3,
        ref sbyte x, ref float dx, ref int offsets, int groups, Span<float> result)
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int g = 0; g < groups; g++)
        {
            int at = g * Group;
            for (int line = 0; line < Group; line += 64)
            {
                nint ahead = at + PrefetchDistance + line;
                Prefetcher.Line(ref w0, ahead);
                Prefetcher.Line(ref w1, ahead);
                Prefetcher.Line(ref w2, ahead);
                Prefetcher.Line(ref w3, ahead);
            }
            ref sbyte xg = ref Unsafe.Add(ref x, at);
            nuint b = (nuint)(g * BlocksPerGroup);
            var o = Vector256.LoadUnsafe(ref offsets, b);
            var sx = Vector256.LoadUnsafe(ref dx, b);
            f0 = Scaled(GroupDot(o, ref Unsafe.Add(ref w0, at), ref xg), Scales(ref d0, b) * sx, f0);
            f1 = Scaled(GroupDot(o, ref Unsafe.Add(ref w1, at), ref xg), Scales(ref d1, b) * sx, f1);
            f2 = Scaled(GroupDot(o, ref Unsafe.Add(ref w2, at), ref xg), Scales(ref d2, b) * sx, f2);
            f3 = Scaled(GroupDot(o, ref Unsafe.Add(ref w3, at), ref xg), Scales(ref d3, b) * sx, f3);
        }
        Store4(f0, f1, f2, f3, result);
    }

    /// <summary>
    /// result[j·4 + r] = w_j · x_r for two weight rows and four activation rows <paramref name="xStride"/> bytes (and
    /// xStride / 32 blocks) apart: eight independent dot chains, each weight vector feeding four and each activation
    /// vector two (measured in L1: ~105 GMAC/s on one core, against ~80 for one weight row × four and ~190 for bare
    /// vpdpbusd; four × four spilled registers and was slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile2x4(ref byte w0, ref byte w1, ref ushort d0, ref ushort d1, ref sbyte x, ref float dx, ref int offsets,
        int xStride, int groups, Span<float> result)
    {
        nuint xs = (nuint)xStride, bs = (nuint)(xStride / Block);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (int g = 0; g < groups; g++)
        {
            int at = g * Group;
            ref byte u = ref Unsafe.Add(ref w0, at);
            ref byte v = ref Unsafe.Add(ref w1, at);
            ref sbyte xg = ref Unsafe.Add(ref x, at);
            nuint b = (nuint)(g * BlocksPerGroup);
            var du = Scales(ref d0, b);
            var dv = Scales(ref d1, b);
            var o = Vector256.LoadUnsafe(ref offsets, b);
            var s = Vector256.LoadUnsafe(ref dx, b);
            a0 = Scaled(GroupDot(o, ref u, ref xg), du * s, a0);
            b0 = Scaled(GroupDot(o, ref v, ref xg), dv * s, b0);
            o = Vector256.LoadUnsafe(ref offsets, bs + b);
            s = Vector256.LoadUnsafe(ref dx, bs + b);
            a1 = Scaled(GroupDot(o, ref u, ref Unsafe.Add(ref xg, xs)), du * s, a1);
            b1 = Scaled(GroupDot(o, ref v, ref Unsafe.Add(ref xg, xs)), dv * s, b1);
            o = Vector256.LoadUnsafe(ref offsets, 2 * bs + b);
            s = Vector256.LoadUnsafe(ref dx, 2 * bs + b);
            a2 = Scaled(GroupDot(o, ref u, ref Unsafe.Add(ref xg, 2 * xs)), du * s, a2);
            b2 = Scaled(GroupDot(o, ref v, ref Unsafe.Add(ref xg, 2 * xs)), dv * s, b2);
            o = Vector256.LoadUnsafe(ref offsets, 3 * bs + b);
            s = Vector256.LoadUnsafe(ref dx, 3 * bs + b);
            a3 = Scaled(GroupDot(o, ref u, ref Unsafe.Add(ref xg, 3 * xs)), du * s, a3);
            b3 = Scaled(GroupDot(o, ref v, ref Unsafe.Add(ref xg, 3 * xs)), dv * s, b3);
        }
        Store4(a0, a1, a2, a3, result);
        Store4(b0, b1, b2, b3, result[4..]);
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
