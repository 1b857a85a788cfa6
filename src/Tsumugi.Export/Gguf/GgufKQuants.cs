namespace Tsumugi.Export.Gguf;

/// <summary>
/// ggml's k-quant super-blocks of 256 values (ggml-common.h <c>block_q4_K</c>, <c>block_q5_K</c>, <c>block_q6_K</c>),
/// encoded with ggml-quants.c's reference algorithms — what llama-quantize runs without an importance matrix:
/// <c>quantize_row_q4_K_ref</c>/<c>q5_K_ref</c> fit each 32-value sub-block with a scale and a minimum by weighted
/// least squares over a sweep of candidate scales (<c>make_qkx2_quants</c>), then quantize the 8 scales and 8 minimums
/// to 6 bits against the super-block's fp16 d and dmin; <c>quantize_row_q6_K_ref</c> fits each 16-value sub-block with
/// a signed scale (<c>make_qx_quants</c>, weights x²) and stores the scales as int8 against one fp16 d.
/// </summary>
static class GgufKQuants
{
    public const int SuperBlock = 256;
    const float GroupMaxEps = 1e-15f;

    /// <summary>ggml's <c>nearest_int</c>: round half to even (the 1.5·2²³ trick), exact for |x| &lt; 2²².</summary>
    static int NearestInt(float x) => (int)MathF.Round(x, MidpointRounding.ToEven);

    public static void EncodeQ4_K(ReadOnlySpan<float> x, Span<byte> block) => EncodeScaleMin(x, block, bits: 4);
    public static void EncodeQ5_K(ReadOnlySpan<float> x, Span<byte> block) => EncodeScaleMin(x, block, bits: 5);

    /// <summary>
    /// Layout: d (fp16), dmin (fp16), scales[12] (8 six-bit scales and 8 six-bit mins, <c>get_scale_min_k4</c>),
    /// for Q5_K qh[32] (bit 2c / 2c+1 of qh[l] is the fifth bit of value l / l+32 of chunk c), then qs[128]: each
    /// 64-value chunk's values l and l+32 share a byte (low, high nibble).
    /// </summary>
    static void EncodeScaleMin(ReadOnlySpan<float> x, Span<byte> block, int bits)
    {
        int nmax = (1 << bits) - 1;
        Span<byte> levels = stackalloc byte[SuperBlock];
        Span<byte> aux = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            var sub = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += sub[l] * sub[l];
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + MathF.Abs(sub[l]);
            scales[j] = bits == 4
                ? MakeQkx2Quants(nmax, sub, weights, levels.Slice(32 * j, 32), out mins[j], aux, -1f, 0.1f, 20)
                : MakeQkx2Quants(nmax, sub, weights, levels.Slice(32 * j, 32), out mins[j], aux, -0.5f, 0.1f, 15);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        var packed = block.Slice(4, 12);
        packed.Clear();
        for (int j = 0; j < 8; j++)
        {
            int ls = Math.Min(63, (int)(byte)NearestInt(invScale * scales[j]));
            int lm = Math.Min(63, (int)(byte)NearestInt(invMin * mins[j]));
            if (j < 4)
            {
                packed[j] = (byte)ls;
                packed[j + 4] = (byte)lm;
            }
            else
            {
                packed[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                packed[j - 4] |= (byte)((ls >> 4) << 6);
                packed[j] |= (byte)((lm >> 4) << 6);
            }
        }
        var d = (Half)(maxScale / 63f);
        var dmin = (Half)(maxMin / 63f);
        BitConverter.TryWriteBytes(block, d);
        BitConverter.TryWriteBytes(block[2..], dmin);
        for (int j = 0; j < 8; j++)
        {
            var (sc, m) = ScaleMin(j, packed);
            float dj = (float)d * sc;
            if (dj == 0) continue;
            float dm = (float)dmin * m;
            for (int i = 0; i < 32; i++)
                levels[32 * j + i] = (byte)Math.Clamp(NearestInt((x[32 * j + i] + dm) / dj), 0, nmax);
        }
        if (bits == 4)
        {
            var qs = block.Slice(16, 128);
            for (int c = 0; c < 4; c++)
                for (int l = 0; l < 32; l++)
                    qs[32 * c + l] = (byte)(levels[64 * c + l] | (levels[64 * c + l + 32] << 4));
        }
        else
        {
            var qh = block.Slice(16, 32);
            var qs = block.Slice(48, 128);
            qh.Clear();
            for (int c = 0; c < 4; c++)
                for (int l = 0; l < 32; l++)
                {
                    int l1 = levels[64 * c + l], l2 = levels[64 * c + l + 32];
                    if (l1 > 15) { l1 -= 16; qh[l] |= (byte)(1 << (2 * c)); }
                    if (l2 > 15) { l2 -= 16; qh[l] |= (byte)(2 << (2 * c)); }
                    qs[32 * c + l] = (byte)(l1 | (l2 << 4));
                }
        }
    }

    public static void DecodeQ4_K(ReadOnlySpan<byte> block, Span<float> y) => DecodeScaleMin(block, y, bits: 4);
    public static void DecodeQ5_K(ReadOnlySpan<byte> block, Span<float> y) => DecodeScaleMin(block, y, bits: 5);

    static void DecodeScaleMin(ReadOnlySpan<byte> block, Span<float> y, int bits)
    {
        float d = (float)BitConverter.ToHalf(block);
        float min = (float)BitConverter.ToHalf(block[2..]);
        var packed = block.Slice(4, 12);
        var qh = bits == 5 ? block.Slice(16, 32) : default;
        var qs = block.Slice(bits == 5 ? 48 : 16, 128);
        for (int c = 0; c < 4; c++)
        {
            var (sc1, m1) = ScaleMin(2 * c, packed);
            var (sc2, m2) = ScaleMin(2 * c + 1, packed);
            float d1 = d * sc1, min1 = min * m1, d2 = d * sc2, min2 = min * m2;
            for (int l = 0; l < 32; l++)
            {
                int q = qs[32 * c + l];
                int h1 = bits == 5 && (qh[l] & (1 << (2 * c))) != 0 ? 16 : 0;
                int h2 = bits == 5 && (qh[l] & (2 << (2 * c))) != 0 ? 16 : 0;
                y[64 * c + l] = d1 * ((q & 0xF) + h1) - min1;
                y[64 * c + l + 32] = d2 * ((q >> 4) + h2) - min2;
            }
        }
    }

    /// <summary>ggml's <c>get_scale_min_k4</c>: sub-block j's 6-bit scale and min from the 12 packed bytes.</summary>
    static (int Scale, int Min) ScaleMin(int j, ReadOnlySpan<byte> q) => j < 4
        ? (q[j] & 63, q[j + 4] & 63)
        : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));

    /// <summary>
    /// ggml's <c>make_qkx2_quants</c>: levels L in [0, nmax] with x ≈ scale·L − theMin; starts from the min/max grid,
    /// then tries nstep+1 grids (nmax + rmin + rdelta·is)/(max − min) and keeps the weighted least-squares fit with the
    /// smallest weighted squared error.
    /// </summary>
    static float MakeQkx2Quants(int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<byte> levels,
        out float theMin, Span<byte> aux, float rmin, float rdelta, int nstep)
    {
        int n = x.Length;
        float min = x[0], max = x[0];
        float sumW = weights[0], sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            sumW += weights[i];
            sumX += weights[i] * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            levels.Clear();
            theMin = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
            levels[i] = (byte)l;
            float diff = scale * l + min - x[i];
            bestError += weights[i] * (diff * diff);
        }
        for (int step = 0; step <= nstep; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
                aux[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det <= 0) continue;
            float thisScale = (sumW * sumXL - sumX * sumL) / det;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
            if (thisMin > 0)
            {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            float error = 0;
            for (int i = 0; i < n; i++)
            {
                float diff = thisScale * aux[i] + thisMin - x[i];
                error += weights[i] * (diff * diff);
            }
            if (error < bestError)
            {
                aux[..n].CopyTo(levels);
                bestError = error;
                scale = thisScale;
                min = thisMin;
            }
        }
        theMin = -min;
        return scale;
    }

    /// <summary>
    /// Layout: ql[128] (low nibbles), qh[64] (2 high bits), scales[16] (int8), d (fp16). In each 128-value half,
    /// values l, l+32, l+64, l+96 share ql[l] / ql[l+32] (low/high nibble) and qh[l] (bits 0–1, 2–3, 4–5, 6–7).
    /// </summary>
    public static void EncodeQ6_K(ReadOnlySpan<float> x, Span<byte> block)
    {
        Span<sbyte> levels = stackalloc sbyte[SuperBlock];
        Span<float> scales = stackalloc float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++)
        {
            scales[ib] = MakeQxQuants(32, x.Slice(16 * ib, 16), levels.Slice(16 * ib, 16));
            float abs = MathF.Abs(scales[ib]);
            if (abs > maxAbsScale)
            {
                maxAbsScale = abs;
                maxScale = scales[ib];
            }
        }
        if (maxAbsScale < GroupMaxEps)
        {
            block[..210].Clear();
            return;
        }
        float iscale = -128f / maxScale;
        var d = (Half)(1 / iscale);
        BitConverter.TryWriteBytes(block[208..], d);
        var packedScales = block.Slice(192, 16);
        for (int ib = 0; ib < 16; ib++) packedScales[ib] = unchecked((byte)(sbyte)Math.Min(127, NearestInt(iscale * scales[ib])));
        for (int j = 0; j < 16; j++)
        {
            float dj = (float)d * (sbyte)packedScales[j];
            if (dj == 0) continue;
            for (int i = 0; i < 16; i++)
                levels[16 * j + i] = (sbyte)(Math.Clamp(NearestInt(x[16 * j + i] / dj), -32, 31) + 32);
        }
        var ql = block[..128];
        var qh = block.Slice(128, 64);
        for (int half = 0; half < 2; half++)
        {
            var half128 = levels.Slice(128 * half, 128);
            for (int l = 0; l < 32; l++)
            {
                int q1 = half128[l], q2 = half128[l + 32], q3 = half128[l + 64], q4 = half128[l + 96];
                ql[64 * half + l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[64 * half + l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[32 * half + l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }

    public static void DecodeQ6_K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = (float)BitConverter.ToHalf(block[208..]);
        for (int half = 0; half < 2; half++)
        {
            var ql = block.Slice(64 * half, 64);
            var qh = block.Slice(128 + 32 * half, 32);
            var sc = block.Slice(192 + 8 * half, 8);
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[128 * half + l] = d * (sbyte)sc[s] * q1;
                y[128 * half + l + 32] = d * (sbyte)sc[s + 2] * q2;
                y[128 * half + l + 64] = d * (sbyte)sc[s + 4] * q3;
                y[128 * half + l + 96] = d * (sbyte)sc[s + 6] * q4;
            }
        }
    }

    /// <summary>
    /// ggml's <c>make_qx_quants</c> with rmse_type 1 and no importance weights: levels in [−nmax, nmax−1] (stored +nmax)
    /// for a signed scale, trying 19 grids (nmax ± 0.1·is)/max and keeping the best x²-weighted least-squares fit.
    /// </summary>
    static float MakeQxQuants(int nmax, ReadOnlySpan<float> x, Span<sbyte> levels)
    {
        int n = x.Length;
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            levels.Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
            levels[i] = (sbyte)(l + nmax);
            float w = x[i] * x[i];
            sumLX += w * x[i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            iscale = -(nmax + 0.1f * step) / max;
            sumLX = sumL2 = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
                float w = x[i] * x[i];
                sumLX += w * x[i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2)
            {
                for (int i = 0; i < n; i++)
                    levels[i] = (sbyte)(nmax + Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1));
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
