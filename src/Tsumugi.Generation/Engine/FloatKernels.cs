using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// Software prefetch for the weight streams. One core's demand misses and the hardware prefetcher reach only part of
/// the memory bandwidth on their own; asking for the next tile's lines while this tile is summed makes up much of the
/// rest. The weight arrays live on the pinned object heap (<see cref="PackedMatrix"/>), so a raw address past the
/// current row is stable, and a prefetch never faults even past the end of the array.
/// </summary>
static class Prefetcher
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Line<T>(ref T origin, nint byteOffset) => Sse.Prefetch0((byte*)Unsafe.AsPointer(ref origin) + byteOffset);

    /// <summary>
    /// A line into L2 only (prefetcht1): far-ahead requests wait in L2's larger miss queue instead of holding L1's few
    /// fill buffers, so more lines are in flight at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void L2Line<T>(ref T origin, nint byteOffset) => Sse.Prefetch1((byte*)Unsafe.AsPointer(ref origin) + byteOffset);
}

/// <summary>
/// Dot products of weight rows with activation rows, AVX-512. One row of activations (one decoding stream): four
/// weight rows at a time, so four independent FMA chains hide the FMA latency while the weights stream from memory.
/// Several activation rows: a 2 × 4 tile (two weight rows × four activation rows, eight accumulators), so each weight
/// vector loaded feeds four FMAs and each activation vector two — the step for n rows reads the weights once.
/// Columns past the last multiple of 16 are summed in scalar code.
/// </summary>
static class FloatKernels
{
    public static bool Supported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4(ref float w0, ref float w1, ref float w2, ref float w3, ref float x, int cols, Span<float> result)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        nint next = 4 * 4 * cols; // bytes from w0 to the next tile (4 contiguous f32 rows)
        for (; k + 16 <= cols; k += 16)
        {
            nint ahead = next + 4 * 4 * k;
            Prefetcher.Line(ref w0, ahead);
            Prefetcher.Line(ref w0, ahead + 64);
            Prefetcher.Line(ref w0, ahead + 128);
            Prefetcher.Line(ref w0, ahead + 192);
            var v = Vector512.LoadUnsafe(ref x, (nuint)k);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w0, (nuint)k), v, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w1, (nuint)k), v, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, (nuint)k), v, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w3, (nuint)k), v, a3);
        }
        float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
        for (; k < cols; k++)
        {
            float v = Unsafe.Add(ref x, k);
            s0 += Unsafe.Add(ref w0, k) * v;
            s1 += Unsafe.Add(ref w1, k) * v;
            s2 += Unsafe.Add(ref w2, k) * v;
            s3 += Unsafe.Add(ref w3, k) * v;
        }
        (result[0], result[1], result[2], result[3]) = (s0, s1, s2, s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4(ref short w0, ref short w1, ref short w2, ref short w3, ref float x, int cols, Span<float> result)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k + 16 <= cols; k += 16)
        {
            PrefetchHalfTile(ref w0, cols, k);
            var v = Vector512.LoadUnsafe(ref x, (nuint)k);
            a0 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16(ref Unsafe.Add(ref w0, k)), v, a0);
            a1 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16(ref Unsafe.Add(ref w1, k)), v, a1);
            a2 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16(ref Unsafe.Add(ref w2, k)), v, a2);
            a3 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16(ref Unsafe.Add(ref w3, k)), v, a3);
        }
        float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
        for (; k < cols; k++)
        {
            float v = Unsafe.Add(ref x, k);
            s0 += HalfBits.FromF16(Unsafe.Add(ref w0, k)) * v;
            s1 += HalfBits.FromF16(Unsafe.Add(ref w1, k)) * v;
            s2 += HalfBits.FromF16(Unsafe.Add(ref w2, k)) * v;
            s3 += HalfBits.FromF16(Unsafe.Add(ref w3, k)) * v;
        }
        (result[0], result[1], result[2], result[3]) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// For a 4-row tile of 16-bit weights at column <paramref name="k"/>: the two lines of the tile two ahead that this
    /// step's 128 bytes correspond to, into L2 (<see cref="Prefetcher.L2Line"/>). Measured over the 125m model's f16
    /// projections on one core, the rows streamed 15–30 % faster than with the next tile's lines into L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PrefetchHalfTile(ref short w0, int cols, int k)
    {
        nint ahead = 2 * (4 * 2 * cols) + 4 * 2 * k; // tiles are 4 contiguous rows of 2-byte weights
        Prefetcher.L2Line(ref w0, ahead);
        Prefetcher.L2Line(ref w0, ahead + 64);
    }

    /// <summary>
    /// One f16 row against activations already × 2¹¹² (<see cref="HalfBits.F16x16Unbiased"/>): three integer ops and
    /// one FMA per 16 weights instead of four and one. One row at a time, four accumulators along it, so the matrix is
    /// read as one sequential stream; with <see cref="RowAhead"/> into L2 this streamed the 125m model's f16
    /// projections on one core as fast as a bare read of the same bytes, 12–25 % faster than four rows side by side.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotPrescaled(ref short w, ref float scaledX, int cols)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k + 64 <= cols; k += 64)
        {
            Prefetcher.L2Line(ref w, RowAhead + 2 * k);
            Prefetcher.L2Line(ref w, RowAhead + 2 * k + 64);
            a0 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16Unbiased(ref Unsafe.Add(ref w, k)), Vector512.LoadUnsafe(ref scaledX, (nuint)k), a0);
            a1 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16Unbiased(ref Unsafe.Add(ref w, k + 16)), Vector512.LoadUnsafe(ref scaledX, (nuint)k + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16Unbiased(ref Unsafe.Add(ref w, k + 32)), Vector512.LoadUnsafe(ref scaledX, (nuint)k + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16Unbiased(ref Unsafe.Add(ref w, k + 48)), Vector512.LoadUnsafe(ref scaledX, (nuint)k + 48), a3);
        }
        for (; k + 16 <= cols; k += 16)
            a0 = Avx512F.FusedMultiplyAdd(HalfBits.F16x16Unbiased(ref Unsafe.Add(ref w, k)), Vector512.LoadUnsafe(ref scaledX, (nuint)k), a0);
        float sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        float unscale = 1f / HalfBits.Rebias;
        for (; k < cols; k++) sum += HalfBits.FromF16(Unsafe.Add(ref w, k)) * (Unsafe.Add(ref scaledX, k) * unscale);
        return sum;
    }

    /// <summary>One bf16 row against f32 activations, streamed as <see cref="DotPrescaled"/> streams f16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ref ushort w, ref float x, int cols)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k + 64 <= cols; k += 64)
        {
            Prefetcher.L2Line(ref w, RowAhead + 2 * k);
            Prefetcher.L2Line(ref w, RowAhead + 2 * k + 64);
            a0 = Avx512F.FusedMultiplyAdd(HalfBits.BF16x16(ref Unsafe.Add(ref w, k)), Vector512.LoadUnsafe(ref x, (nuint)k), a0);
            a1 = Avx512F.FusedMultiplyAdd(HalfBits.BF16x16(ref Unsafe.Add(ref w, k + 16)), Vector512.LoadUnsafe(ref x, (nuint)k + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(HalfBits.BF16x16(ref Unsafe.Add(ref w, k + 32)), Vector512.LoadUnsafe(ref x, (nuint)k + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(HalfBits.BF16x16(ref Unsafe.Add(ref w, k + 48)), Vector512.LoadUnsafe(ref x, (nuint)k + 48), a3);
        }
        for (; k + 16 <= cols; k += 16)
            a0 = Avx512F.FusedMultiplyAdd(HalfBits.BF16x16(ref Unsafe.Add(ref w, k)), Vector512.LoadUnsafe(ref x, (nuint)k), a0);
        float sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; k < cols; k++) sum += HalfBits.FromBF16(Unsafe.Add(ref w, k)) * Unsafe.Add(ref x, k);
        return sum;
    }

    /// <summary>
    /// Bytes ahead of the current position that the one-row 16-bit kernels prefetch (into the next rows: a matrix is
    /// contiguous). 8 to 12 KB measured alike; into L1 (prefetcht0) it was 5–10 % slower.
    /// </summary>
    const int RowAhead = 12 << 10;

    /// <summary>
    /// result[j·4 + r] = w_j · x_r for four f32 weight rows <paramref name="wStride"/> apart and four activation rows
    /// <paramref name="xStride"/> apart: sixteen accumulators, so each vector loaded feeds four FMAs and the loop is
    /// FMA-bound (~210 GFLOP/s in L1 on one core over 64-byte aligned rows, ~99 % of its peak, 140 over misaligned ones;
    /// the 2 × 4 tile it replaced, load-bound and with a full reduction per accumulator, reached 130). That puts a step
    /// for up to ~12 rows under the time its f32 weights take to stream from memory, so a batch costs about what one row
    /// does. With each 16 columns it prefetches
    /// <paramref name="prefetchLines"/> consecutive lines from <paramref name="prefetchAt"/> on (a share of the next
    /// tile's weights), or none for 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x4(ref float w0, int wStride, ref float x0, int xStride, int cols, Span<float> result, ref byte prefetchAt, int prefetchLines)
    {
        ref float w1 = ref Unsafe.Add(ref w0, wStride);
        ref float w2 = ref Unsafe.Add(ref w0, 2 * wStride);
        ref float w3 = ref Unsafe.Add(ref w0, 3 * wStride);
        ref float x1 = ref Unsafe.Add(ref x0, xStride);
        ref float x2 = ref Unsafe.Add(ref x0, 2 * xStride);
        ref float x3 = ref Unsafe.Add(ref x0, 3 * xStride);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, d0 = default, d1 = default, d2 = default, d3 = default;
        int k = 0;
        for (; k + 16 <= cols; k += 16)
        {
            nuint at = (nuint)k;
            for (int line = 0; line < prefetchLines; line++) Prefetcher.Line(ref prefetchAt, (nint)4 * prefetchLines * k + 64 * line);
            var u0 = Vector512.LoadUnsafe(ref x0, at);
            var u1 = Vector512.LoadUnsafe(ref x1, at);
            var u2 = Vector512.LoadUnsafe(ref x2, at);
            var u3 = Vector512.LoadUnsafe(ref x3, at);
            var v = Vector512.LoadUnsafe(ref w0, at);
            (a0, a1, a2, a3) = (Avx512F.FusedMultiplyAdd(v, u0, a0), Avx512F.FusedMultiplyAdd(v, u1, a1), Avx512F.FusedMultiplyAdd(v, u2, a2), Avx512F.FusedMultiplyAdd(v, u3, a3));
            v = Vector512.LoadUnsafe(ref w1, at);
            (b0, b1, b2, b3) = (Avx512F.FusedMultiplyAdd(v, u0, b0), Avx512F.FusedMultiplyAdd(v, u1, b1), Avx512F.FusedMultiplyAdd(v, u2, b2), Avx512F.FusedMultiplyAdd(v, u3, b3));
            v = Vector512.LoadUnsafe(ref w2, at);
            (c0, c1, c2, c3) = (Avx512F.FusedMultiplyAdd(v, u0, c0), Avx512F.FusedMultiplyAdd(v, u1, c1), Avx512F.FusedMultiplyAdd(v, u2, c2), Avx512F.FusedMultiplyAdd(v, u3, c3));
            v = Vector512.LoadUnsafe(ref w3, at);
            (d0, d1, d2, d3) = (Avx512F.FusedMultiplyAdd(v, u0, d0), Avx512F.FusedMultiplyAdd(v, u1, d1), Avx512F.FusedMultiplyAdd(v, u2, d2), Avx512F.FusedMultiplyAdd(v, u3, d3));
        }
        Store4(a0, a1, a2, a3, result);
        Store4(b0, b1, b2, b3, result[4..]);
        Store4(c0, c1, c2, c3, result[8..]);
        Store4(d0, d1, d2, d3, result[12..]);
        for (; k < cols; k++)
            for (int j = 0; j < 4; j++)
            {
                float weight = Unsafe.Add(ref w0, j * wStride + k);
                for (int r = 0; r < 4; r++) result[j * 4 + r] += weight * Unsafe.Add(ref x0, r * xStride + k);
            }
    }

    /// <summary>Four accumulators' totals into result[0..3]: halves folded, then three horizontal adds for all four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, Span<float> result)
    {
        var h = Avx.HorizontalAdd(Avx.HorizontalAdd(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper()),
            Avx.HorizontalAdd(c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper()));
        (h.GetLower() + h.GetUpper()).CopyTo(result);
    }

    /// <summary>Widens one f16 weight row into f32 scratch (several activation rows then share the conversion).</summary>
    public static void Widen(ReadOnlySpan<short> source, Span<float> target)
    {
        int k = 0;
        if (Supported)
            for (; k + 16 <= source.Length; k += 16) HalfBits.F16x16(ref Unsafe.AsRef(in source[k])).StoreUnsafe(ref target[k]);
        for (; k < source.Length; k++) target[k] = HalfBits.FromF16(source[k]);
    }

    public static void Widen(ReadOnlySpan<ushort> source, Span<float> target)
    {
        int k = 0;
        if (Supported)
            for (; k + 16 <= source.Length; k += 16) HalfBits.BF16x16(ref Unsafe.AsRef(in source[k])).StoreUnsafe(ref target[k]);
        for (; k < source.Length; k++) target[k] = HalfBits.FromBF16(source[k]);
    }
}
