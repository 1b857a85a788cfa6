using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// Q8_0 × Q8_0 dot products as llama.cpp computes them on x86: the activations are quantized to Q8_0 blocks too
/// (<see cref="Activations.Quantize"/>), each block's 32 int8 products are summed exactly by one VNNI vpdpbusd
/// (unsigned × signed, so the activation's sign moves onto the weight: |x| · sign(w, x) = x · w), and the block sum
/// is scaled by d_w · d_x into an f32 accumulator. Two weight rows per pass give two independent chains.
/// </summary>
static class Q8Kernels
{
    public const int Block = 32;

    /// <summary>
    /// Bytes ahead of the second row to prefetch: past its end that is the rows after it (rows are contiguous), so the
    /// next tiles' lines are on their way while this one is summed (measured on the 125m model under load: 15.7 ms of
    /// CPU per token's projections without, 10.5 with 4 KiB).
    /// </summary>
    const int PrefetchDistance = 4096;

    public static bool Supported => AvxVnni.IsSupported && Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> BlockDot(Vector256<sbyte> w, Vector256<byte> absX, Vector256<sbyte> x) =>
        Avx.ConvertToVector256Single(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, absX, Avx2.Sign(w, x)));

    /// <summary>result[j] = w_j · x for two weight rows and one quantized activation row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot2(ref sbyte w0, ref sbyte w1, ref float d0, ref float d1,
        ref sbyte x, ref byte absX, ref float dx, int blocks, Span<float> result)
    {
        Vector256<float> a0 = default, a1 = default;
        for (int b = 0; b < blocks; b++)
        {
            nuint at = (nuint)(b * Block);
            Prefetcher.Line(ref w1, (nint)at + PrefetchDistance);
            var xb = Vector256.LoadUnsafe(ref x, at);
            var ab = Vector256.LoadUnsafe(ref absX, at);
            float s = Unsafe.Add(ref dx, b);
            a0 = Fma.MultiplyAdd(BlockDot(Vector256.LoadUnsafe(ref w0, at), ab, xb), Vector256.Create(Unsafe.Add(ref d0, b) * s), a0);
            a1 = Fma.MultiplyAdd(BlockDot(Vector256.LoadUnsafe(ref w1, at), ab, xb), Vector256.Create(Unsafe.Add(ref d1, b) * s), a1);
        }
        (result[0], result[1]) = (Vector256.Sum(a0), Vector256.Sum(a1));
    }

    /// <summary>result[r·2 + j] = w_j · x_r for two weight rows and four quantized activation rows <paramref name="xStride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile2x4(ref sbyte w0, ref sbyte w1, ref float d0, ref float d1,
        ref sbyte x, ref byte absX, ref float dx, int xStride, int blocks, Span<float> result)
    {
        int scaleStride = xStride / Block;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (int b = 0; b < blocks; b++)
        {
            nuint at = (nuint)(b * Block);
            var v0 = Vector256.LoadUnsafe(ref w0, at);
            var v1 = Vector256.LoadUnsafe(ref w1, at);
            float e0 = Unsafe.Add(ref d0, b), e1 = Unsafe.Add(ref d1, b);
            RowDots(v0, v1, ref x, ref absX, ref dx, at, b, 0, xStride, scaleStride, out var p0, out var p1, out float s);
            a00 = Fma.MultiplyAdd(p0, Vector256.Create(e0 * s), a00);
            a01 = Fma.MultiplyAdd(p1, Vector256.Create(e1 * s), a01);
            RowDots(v0, v1, ref x, ref absX, ref dx, at, b, 1, xStride, scaleStride, out p0, out p1, out s);
            a10 = Fma.MultiplyAdd(p0, Vector256.Create(e0 * s), a10);
            a11 = Fma.MultiplyAdd(p1, Vector256.Create(e1 * s), a11);
            RowDots(v0, v1, ref x, ref absX, ref dx, at, b, 2, xStride, scaleStride, out p0, out p1, out s);
            a20 = Fma.MultiplyAdd(p0, Vector256.Create(e0 * s), a20);
            a21 = Fma.MultiplyAdd(p1, Vector256.Create(e1 * s), a21);
            RowDots(v0, v1, ref x, ref absX, ref dx, at, b, 3, xStride, scaleStride, out p0, out p1, out s);
            a30 = Fma.MultiplyAdd(p0, Vector256.Create(e0 * s), a30);
            a31 = Fma.MultiplyAdd(p1, Vector256.Create(e1 * s), a31);
        }
        (result[0], result[1], result[2], result[3]) = (Vector256.Sum(a00), Vector256.Sum(a01), Vector256.Sum(a10), Vector256.Sum(a11));
        (result[4], result[5], result[6], result[7]) = (Vector256.Sum(a20), Vector256.Sum(a21), Vector256.Sum(a30), Vector256.Sum(a31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowDots(Vector256<sbyte> v0, Vector256<sbyte> v1, ref sbyte x, ref byte absX, ref float dx, nuint at, int b, int r,
        int xStride, int scaleStride, out Vector256<float> p0, out Vector256<float> p1, out float s)
    {
        var xb = Vector256.LoadUnsafe(ref x, (nuint)(r * xStride) + at);
        var ab = Vector256.LoadUnsafe(ref absX, (nuint)(r * xStride) + at);
        s = Unsafe.Add(ref dx, r * scaleStride + b);
        p0 = BlockDot(v0, ab, xb);
        p1 = BlockDot(v1, ab, xb);
    }

    /// <summary>The same sum without SIMD: exact int32 block dots, each scaled into an f32 total.</summary>
    public static float DotScalar(ReadOnlySpan<sbyte> w, ReadOnlySpan<float> dw, ReadOnlySpan<sbyte> x, ReadOnlySpan<float> dx)
    {
        float total = 0;
        for (int b = 0; b < dw.Length; b++)
        {
            int sum = 0;
            for (int k = b * Block; k < (b + 1) * Block; k++) sum += w[k] * x[k];
            total += sum * (dw[b] * dx[b]);
        }
        return total;
    }
}
