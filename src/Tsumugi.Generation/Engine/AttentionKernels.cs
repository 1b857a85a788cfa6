using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// Softmax attention of one query head over one kv head's cached positions (<see cref="DecodeState"/>), f32 or f16
/// cache. The scores come 16 positions per vector from the transposed key blocks (head_dim FMAs, no horizontal sum);
/// the weighted sum of values takes two positions per pass, each row's vectors into their own accumulators. With an
/// f16 cache both sides use <see cref="HalfBits.F16x16Unbiased"/>: the query and the softmax weights carry the 2¹¹²
/// instead, so a cached element costs three integer ops and one FMA. Head dims that are not whole vectors, and CPUs
/// without AVX-512, take the scalar loops (the reference the tests compare with).
/// </summary>
static class AttentionKernels
{
    const int Block = DecodeState.Block;

    /// <summary>Floats of scratch one call needs: the scaled query and the scores of every block up to the context.</summary>
    public static int ScratchLength(int headDim, int context) => headDim + (context + Block - 1) / Block * Block;

    /// <summary>
    /// <paramref name="output"/> = softmax(q·kᵀ · scale) · v over positions [first, <paramref name="position"/>] of
    /// head <paramref name="kvHead"/>, where first starts the sliding <paramref name="window"/> (or is 0).
    /// </summary>
    public static void Attend(DecodeState state, int layer, int kvHead, int position, int? window, ReadOnlySpan<float> query,
        float scale, Span<float> output, Span<float> scratch)
    {
        int headDim = query.Length;
        int first = window is { } w ? Math.Max(0, position - w + 1) : 0;
        int firstBlock = first / Block, blocks = position / Block - firstBlock + 1;
        var q = scratch[..headDim];
        var scores = scratch.Slice(headDim, blocks * Block);
        bool simd = Avx512F.IsSupported && headDim % 16 == 0;
        bool prescaled = simd && state.Half;
        // An f16 cache's keys are read × 2⁻¹¹², so the query takes × 2¹¹², less 2^e when |q·scale| ≥ 2¹⁴ would leave
        // too little headroom in f32 (the scores then take the 2^e back). Powers of two: no rounding is added.
        float keyFactor = 1, scoreFactor = 1;
        if (prescaled)
        {
            float m = Math.Abs(TensorPrimitives.MaxMagnitude(query) * scale);
            int e = m < 16384f ? 0 : Math.ILogB(m) - 13;
            (keyFactor, scoreFactor) = (MathF.ScaleB(1f, 112 - e), MathF.ScaleB(1f, e));
        }
        TensorPrimitives.Multiply(query, scale * keyFactor, q);
        if (state.Half)
        {
            ref short keys = ref state.KeyBlock<short>(layer, kvHead, firstBlock);
            if (simd) Scores(q, ref keys, blocks, scores);
            else ScoresScalar(q, ref keys, blocks, scores);
        }
        else
        {
            ref float keys = ref state.KeyBlock<float>(layer, kvHead, firstBlock);
            if (simd) Scores(q, ref keys, blocks, scores);
            else ScoresScalar(q, ref keys, blocks, scores);
        }
        var live = scores.Slice(first - firstBlock * Block, position - first + 1);
        if (scoreFactor != 1) TensorPrimitives.Multiply(live, scoreFactor, live);
        float max = TensorPrimitives.Max(live);
        TensorPrimitives.Subtract(live, max, live);
        TensorPrimitives.Exp(live, live);
        // The weights stay unnormalised (each ≤ 1, so × 2¹¹² is finite); the factor applies 1 / sum as each is used.
        float factor = (prescaled ? HalfBits.Rebias : 1f) / TensorPrimitives.Sum(live);
        if (state.Half)
        {
            ref short values = ref state.ValueRow<short>(layer, kvHead, first);
            if (simd) Accumulate(live, factor, ref values, output);
            else AccumulateScalar(live, factor, ref values, output);
        }
        else
        {
            ref float values = ref state.ValueRow<float>(layer, kvHead, first);
            if (simd) Accumulate(live, factor, ref values, output);
            else AccumulateScalar(live, factor, ref values, output);
        }
    }

    /// <summary>16 cached elements from <paramref name="offset"/> as f32 vectors: f32 as is, f16 × 2⁻¹¹².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Load<T>(ref T source, int offset) where T : unmanaged =>
        typeof(T) == typeof(short)
            ? HalfBits.F16x16Unbiased(ref Unsafe.As<T, short>(ref Unsafe.Add(ref source, offset)))
            : Vector512.LoadUnsafe(ref Unsafe.As<T, float>(ref source), (nuint)offset);

    /// <summary>One cached element's true value (the scalar loops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Value<T>(ref T source, int offset) where T : unmanaged =>
        typeof(T) == typeof(short) ? HalfBits.FromF16(Unsafe.As<T, short>(ref Unsafe.Add(ref source, offset))) : Unsafe.As<T, float>(ref Unsafe.Add(ref source, offset));

    /// <summary>
    /// scores[16·b + j] = q · key j of block b, for <paramref name="blocks"/> consecutive blocks (head_dim a multiple of
    /// 16). The cache is cold (the weights streamed since this layer last ran evicted it), so each pass also prefetches
    /// the lines <see cref="KeysAhead"/> blocks on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Scores<T>(ReadOnlySpan<float> query, ref T keys, int blocks, Span<float> scores) where T : unmanaged
    {
        int headDim = query.Length;
        ref float s = ref MemoryMarshal.GetReference(scores);
        nint ahead = KeysAhead * Block * headDim * Unsafe.SizeOf<T>();
        for (int b = 0; b < blocks; b++)
        {
            ref T k = ref Unsafe.Add(ref keys, b * Block * headDim);
            ref float q = ref MemoryMarshal.GetReference(query);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < headDim; d += 4)
            {
                Prefetch<T>(ref k, ahead, 4 * Block);
                a0 = Avx512F.FusedMultiplyAdd(Load(ref k, 0), Vector512.Create(q), a0);
                a1 = Avx512F.FusedMultiplyAdd(Load(ref k, Block), Vector512.Create(Unsafe.Add(ref q, 1)), a1);
                a2 = Avx512F.FusedMultiplyAdd(Load(ref k, 2 * Block), Vector512.Create(Unsafe.Add(ref q, 2)), a2);
                a3 = Avx512F.FusedMultiplyAdd(Load(ref k, 3 * Block), Vector512.Create(Unsafe.Add(ref q, 3)), a3);
                k = ref Unsafe.Add(ref k, 4 * Block);
                q = ref Unsafe.Add(ref q, 4);
            }
            ((a0 + a1) + (a2 + a3)).StoreUnsafe(ref s, (nuint)(b * Block));
        }
    }

    /// <summary>
    /// Key blocks and value rows ahead of the current one that the kernels prefetch: 8 KB each at f16 and head_dim 64
    /// (past a stream's end they touch unused capacity or nothing: a prefetch never faults, and the cache arrays are
    /// pinned). Measured in decoding (125m, f16): attention 3–5 % faster than with the hardware prefetcher alone at
    /// context 1024, ~20 % at context 64; 1 to 16 KB ahead measured alike.
    /// </summary>
    const int KeysAhead = 4, ValuesAhead = 64;

    /// <summary>Prefetches the lines holding <paramref name="elements"/> elements from <paramref name="origin"/> + <paramref name="byteOffset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Prefetch<T>(ref T origin, nint byteOffset, int elements) where T : unmanaged
    {
        for (int line = 0; line < elements * Unsafe.SizeOf<T>(); line += 64) Prefetcher.Line(ref origin, byteOffset + line);
    }

    static void ScoresScalar<T>(ReadOnlySpan<float> query, ref T keys, int blocks, Span<float> scores) where T : unmanaged
    {
        int headDim = query.Length;
        for (int b = 0; b < blocks; b++)
            for (int j = 0; j < Block; j++)
            {
                float sum = 0;
                for (int d = 0; d < headDim; d++) sum += query[d] * Value(ref keys, (b * headDim + d) * Block + j);
                scores[b * Block + j] = sum;
            }
    }

    /// <summary>output = Σ_t weights[t] · factor · value row t, head_dim a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Accumulate<T>(ReadOnlySpan<float> weights, float factor, ref T values, Span<float> output) where T : unmanaged
    {
        int headDim = output.Length, c = 0;
        ref float o = ref MemoryMarshal.GetReference(output);
        for (; c + 64 <= headDim; c += 64) Accumulate64(weights, factor, ref Unsafe.Add(ref values, c), headDim, ref Unsafe.Add(ref o, c));
        for (; c < headDim; c += 16) Accumulate16(weights, factor, ref Unsafe.Add(ref values, c), headDim, ref Unsafe.Add(ref o, c));
    }

    /// <summary>64 columns of the weighted sum: two positions per pass, four vectors each, eight independent FMA chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Accumulate64<T>(ReadOnlySpan<float> weights, float factor, ref T values, int stride, ref float output) where T : unmanaged
    {
        ref float w = ref MemoryMarshal.GetReference(weights);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int t = 0, count = weights.Length;
        nint ahead = ValuesAhead * stride * Unsafe.SizeOf<T>();
        for (; t + 2 <= count; t += 2)
        {
            ref T v = ref Unsafe.Add(ref values, t * stride);
            ref T u = ref Unsafe.Add(ref v, stride);
            Prefetch<T>(ref v, ahead, 64);
            Prefetch<T>(ref u, ahead, 64);
            var wv = Vector512.Create(Unsafe.Add(ref w, t) * factor);
            var wu = Vector512.Create(Unsafe.Add(ref w, t + 1) * factor);
            a0 = Avx512F.FusedMultiplyAdd(Load(ref v, 0), wv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Load(ref v, 16), wv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Load(ref v, 32), wv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Load(ref v, 48), wv, a3);
            b0 = Avx512F.FusedMultiplyAdd(Load(ref u, 0), wu, b0);
            b1 = Avx512F.FusedMultiplyAdd(Load(ref u, 16), wu, b1);
            b2 = Avx512F.FusedMultiplyAdd(Load(ref u, 32), wu, b2);
            b3 = Avx512F.FusedMultiplyAdd(Load(ref u, 48), wu, b3);
        }
        if (t < count)
        {
            ref T v = ref Unsafe.Add(ref values, t * stride);
            var wv = Vector512.Create(Unsafe.Add(ref w, t) * factor);
            a0 = Avx512F.FusedMultiplyAdd(Load(ref v, 0), wv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Load(ref v, 16), wv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Load(ref v, 32), wv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Load(ref v, 48), wv, a3);
        }
        (a0 + b0).StoreUnsafe(ref output);
        (a1 + b1).StoreUnsafe(ref output, 16);
        (a2 + b2).StoreUnsafe(ref output, 32);
        (a3 + b3).StoreUnsafe(ref output, 48);
    }

    /// <summary>16 columns of the weighted sum (head dims that leave 16 to 48 after the 64-wide slabs): four positions per pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Accumulate16<T>(ReadOnlySpan<float> weights, float factor, ref T values, int stride, ref float output) where T : unmanaged
    {
        ref float w = ref MemoryMarshal.GetReference(weights);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int t = 0, count = weights.Length;
        nint ahead = ValuesAhead * stride * Unsafe.SizeOf<T>();
        for (; t + 4 <= count; t += 4)
        {
            ref T v = ref Unsafe.Add(ref values, t * stride);
            for (int i = 0; i < 4; i++) Prefetch<T>(ref Unsafe.Add(ref v, i * stride), ahead, 16);
            a0 = Avx512F.FusedMultiplyAdd(Load(ref v, 0), Vector512.Create(Unsafe.Add(ref w, t) * factor), a0);
            a1 = Avx512F.FusedMultiplyAdd(Load(ref v, stride), Vector512.Create(Unsafe.Add(ref w, t + 1) * factor), a1);
            a2 = Avx512F.FusedMultiplyAdd(Load(ref v, 2 * stride), Vector512.Create(Unsafe.Add(ref w, t + 2) * factor), a2);
            a3 = Avx512F.FusedMultiplyAdd(Load(ref v, 3 * stride), Vector512.Create(Unsafe.Add(ref w, t + 3) * factor), a3);
        }
        for (; t < count; t++) a0 = Avx512F.FusedMultiplyAdd(Load(ref values, t * stride), Vector512.Create(Unsafe.Add(ref w, t) * factor), a0);
        ((a0 + a1) + (a2 + a3)).StoreUnsafe(ref output);
    }

    static void AccumulateScalar<T>(ReadOnlySpan<float> weights, float factor, ref T values, Span<float> output) where T : unmanaged
    {
        int headDim = output.Length;
        output.Clear();
        for (int t = 0; t < weights.Length; t++)
        {
            float weight = weights[t] * factor;
            for (int d = 0; d < headDim; d++) output[d] += weight * Value(ref values, t * headDim + d);
        }
    }
}
