using System.Runtime.CompilerServices;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// A projection's weight W [rows × cols] (y = x·Wᵀ + b, torch's Linear layout) packed once in a
/// <see cref="WeightFormat"/>, with the kernels that stream it: each weight row is read from memory once per call
/// whatever the number of activation rows (<see cref="FloatKernels"/>, <see cref="Q8Kernels"/>). Q8_0 needs whole
/// blocks of 32 columns; other widths fall back to f16, as llama.cpp's quantizer does for such tensors.
/// </summary>
sealed class PackedMatrix
{
    readonly AlignedBuffer<float>? _f32;
    readonly AlignedBuffer<short>? _f16;
    readonly AlignedBuffer<ushort>? _bf16;
    readonly AlignedBuffer<byte>? _q8;
    readonly AlignedBuffer<ushort>? _q8Scales;
    readonly int _q8Cols;
    readonly bool _simd;

    public int Rows { get; }
    public int Cols { get; }
    public WeightFormat Format { get; }
    public float[]? Bias { get; }

    /// <param name="simd">False runs the scalar reference loops (tests compare the two).</param>
    public PackedMatrix(ReadOnlySpan<float> weights, int rows, int cols, WeightFormat format, float[]? bias = null, bool simd = true)
    {
        if (weights.Length != (long)rows * cols) throw new ArgumentException($"{weights.Length} weights for a [{rows} × {cols}] matrix.");
        if (format == WeightFormat.Q8_0 && cols % Q8Kernels.Block != 0) format = WeightFormat.F16;
        (Rows, Cols, Format, Bias) = (rows, cols, format, bias);
        _simd = simd;
        switch (format)
        {
            case WeightFormat.F32:
                _f32 = Pinned<float>(weights.Length);
                weights.CopyTo(_f32.AsSpan());
                break;
            case WeightFormat.F16:
                _f16 = Pinned<short>(weights.Length);
                for (int i = 0; i < weights.Length; i++) _f16[i] = HalfBits.ToF16(weights[i]);
                break;
            case WeightFormat.BF16:
                _bf16 = Pinned<ushort>(weights.Length);
                for (int i = 0; i < weights.Length; i++) _bf16[i] = HalfBits.ToBF16(weights[i]);
                break;
            default:
                _q8Cols = Q8Kernels.PaddedCols(cols);
                (_q8, _q8Scales) = QuantizeQ8(weights, rows, cols, _q8Cols);
                break;
        }
    }

    /// <summary>Pinned (the kernels prefetch by raw address) and 64-byte aligned, as are the activations' rows.</summary>
    static AlignedBuffer<T> Pinned<T>(int length) where T : unmanaged => new(length);

    /// <summary>
    /// llama.cpp's quantize_row_q8_0 (per block d = max|w| / 127 stored as f16, q = round(w / d)), stored as q + 128 in
    /// <see cref="Q8Kernels"/>' interleaved layout, rows padded to <paramref name="paddedCols"/> with zero blocks.
    /// </summary>
    static (AlignedBuffer<byte>, AlignedBuffer<ushort>) QuantizeQ8(ReadOnlySpan<float> w, int rows, int cols, int paddedCols)
    {
        var q = Pinned<byte>(rows * paddedCols);
        q.AsSpan().Fill(Q8Kernels.WeightBias);
        int blocks = cols / Q8Kernels.Block, rowBlocks = paddedCols / Q8Kernels.Block;
        var scales = Pinned<ushort>(rows * rowBlocks);
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < blocks; b++)
            {
                var block = w.Slice(r * cols + b * Q8Kernels.Block, Q8Kernels.Block);
                float amax = 0;
                foreach (var v in block) amax = Math.Max(amax, Math.Abs(v));
                float d = amax / 127f;
                float inverse = d != 0 ? 1f / d : 0f;
                scales[r * rowBlocks + b] = BitConverter.HalfToUInt16Bits((Half)d);
                for (int k = 0; k < Q8Kernels.Block; k++)
                    q[r * paddedCols + Q8Kernels.Position(b * Q8Kernels.Block + k)] = (byte)((int)MathF.Round(block[k] * inverse) + Q8Kernels.WeightBias);
            }
        return (q, scales);
    }

    /// <summary>Bytes read per call: what bounds a decode step.</summary>
    public long WeightBytes => Format switch
    {
        WeightFormat.F32 => 4L * Rows * Cols,
        WeightFormat.F16 or WeightFormat.BF16 => 2L * Rows * Cols,
        _ => (long)Rows * _q8Cols * (Q8Kernels.Block + 2) / Q8Kernels.Block,
    };

    bool Simd => _simd && (Format == WeightFormat.Q8_0 ? Q8Kernels.Supported : FloatKernels.Supported);

    /// <summary>
    /// y[r·Rows + o] = x_r · W_o (+ b_o) for output rows o in [<paramref name="start"/>, <paramref name="end"/>) and
    /// activation rows r &lt; <paramref name="n"/>; <paramref name="y"/> has room for x's padded rows.
    /// <paramref name="scratch"/>: 4·Cols floats of the calling thread's own.
    /// </summary>
    public void Multiply(Activations x, int n, float[] y, int start, int end, Span<float> scratch)
    {
        if (x.Cols != Cols) throw new ArgumentException($"activations of width {x.Cols} for a matrix of {Cols} columns");
        if (!Simd) MultiplyScalar(x, n, y, start, end);
        else if (Format == WeightFormat.Q8_0) MultiplyQ8(x, n, y, start, end);
        else if (n == 1) MultiplyOneRow(x, y, start, end, scratch);
        else MultiplyRows(x, n, y, start, end, scratch);
        if (Bias is not null)
            for (int r = 0; r < n; r++)
                for (int o = start; o < end; o++) y[r * Rows + o] += Bias[o];
    }

    void MultiplyOneRow(Activations x, float[] y, int start, int end, Span<float> scratch)
    {
        ref float input = ref x.Values[0];
        var row = x.Values.AsSpan(0, Cols);
        bool prescaled = Format == WeightFormat.F16 && System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(row) is var m && Math.Abs(m) < HalfBits.MaxPrescaled;
        if (prescaled)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, HalfBits.Rebias, scratch[..Cols]);
            for (int o = start; o < end; o++) y[o] = FloatKernels.DotPrescaled(ref _f16![o * Cols], ref scratch[0], Cols);
            return;
        }
        if (Format == WeightFormat.BF16)
        {
            for (int o = start; o < end; o++) y[o] = FloatKernels.Dot(ref _bf16![o * Cols], ref input, Cols);
            return;
        }
        Span<float> four = stackalloc float[4];
        for (int o = start; o < end; o += 4)
        {
            int o1 = Math.Min(o + 1, end - 1), o2 = Math.Min(o + 2, end - 1), o3 = Math.Min(o + 3, end - 1);
            if (Format == WeightFormat.F32)
                FloatKernels.Dot4(ref _f32![o * Cols], ref _f32[o1 * Cols], ref _f32[o2 * Cols], ref _f32[o3 * Cols], ref input, Cols, four);
            else // f16 with activations too large to pre-scale
                FloatKernels.Dot4(ref _f16![o * Cols], ref _f16[o1 * Cols], ref _f16[o2 * Cols], ref _f16[o3 * Cols], ref input, Cols, four);
            for (int j = 0; j < 4 && o + j < end; j++) y[o + j] = four[j];
        }
    }

    /// <summary>
    /// Several activation rows: 4 × 4 tiles, four weight rows (f16/bf16 widened once into <paramref name="scratch"/>) against
    /// every four activation rows, so each weight row is read from memory once per call. The next tile's weights are
    /// prefetched in equal shares by all of this tile's passes (one pass per four activation rows): fetched by the first
    /// pass alone, the memory sat idle while the others computed (the 125m projections for 8 rows on 2 threads: 1.19× →
    /// 1.02× one row's time, one-off probe).
    /// </summary>
    void MultiplyRows(Activations x, int n, float[] y, int start, int end, Span<float> scratch)
    {
        Span<float> tile = stackalloc float[16];
        int bytes = Format == WeightFormat.F32 ? 4 : 2, tileBytes = 4 * Cols * bytes;
        int passes = (n + 3) / 4, steps = Math.Max(1, Cols / 16), tileLines = tileBytes / 64;
        int linesPerStep = Math.Max(1, (tileLines + passes * steps - 1) / (passes * steps));
        for (int o = start; o < end; o += 4)
        {
            int count = Math.Min(4, end - o);
            ref byte nextTile = ref Unsafe.Add(ref PackedRow(o), tileBytes);
            ref float w = ref scratch[0];
            if (Format == WeightFormat.F32 && count == 4) w = ref _f32![o * Cols];
            else
                for (int j = 0; j < 4; j++)
                {
                    int row = o + Math.Min(j, count - 1); // a short last tile repeats its last row; those results are dropped
                    var target = scratch.Slice(j * Cols, Cols);
                    switch (Format)
                    {
                        case WeightFormat.F32: _f32!.AsSpan(row * Cols, Cols).CopyTo(target); break;
                        case WeightFormat.F16: FloatKernels.Widen(_f16!.AsSpan(row * Cols, Cols), target); break;
                        default: FloatKernels.Widen(_bf16!.AsSpan(row * Cols, Cols), target); break;
                    }
                }
            for (int r = 0, pass = 0; r < n; r += 4, pass++)
            {
                int fetched = pass * steps * linesPerStep; // lines of the next tile the earlier passes asked for
                FloatKernels.Tile4x4(ref w, Cols, ref x.Values[r * Cols], Cols, Cols, tile,
                    ref Unsafe.Add(ref nextTile, fetched * 64), fetched < tileLines ? linesPerStep : 0);
                for (int j = 0; j < count; j++)
                    for (int i = 0; i < 4 && r + i < n; i++) y[(r + i) * Rows + o + j] = tile[j * 4 + i];
            }
        }
    }

    /// <summary>The first byte of packed weight row <paramref name="row"/> (f32, f16 or bf16).</summary>
    ref byte PackedRow(int row)
    {
        if (Format == WeightFormat.F32) return ref Unsafe.As<float, byte>(ref _f32![row * Cols]);
        if (Format == WeightFormat.F16) return ref Unsafe.As<short, byte>(ref _f16![row * Cols]);
        return ref Unsafe.As<ushort, byte>(ref _bf16![row * Cols]);
    }

    void MultiplyQ8(Activations x, int n, float[] y, int start, int end)
    {
        Span<float> four = stackalloc float[4];
        int groups = _q8Cols / Q8Kernels.Group, blocks = _q8Cols / Q8Kernels.Block;
        ref sbyte xq = ref x.Quantized![0];
        ref float dx = ref x.Scales![0];
        ref int offsets = ref x.Offsets![0];
        if (n == 1)
        {
            for (int o = start; o < end; o += 4)
            {
                int o1 = Math.Min(o + 1, end - 1), o2 = Math.Min(o + 2, end - 1), o3 = Math.Min(o + 3, end - 1);
                Q8Kernels.Dot4(ref _q8![o * _q8Cols], ref _q8[o1 * _q8Cols], ref _q8[o2 * _q8Cols], ref _q8[o3 * _q8Cols],
                    ref _q8Scales![o * blocks], ref _q8Scales[o1 * blocks], ref _q8Scales[o2 * blocks], ref _q8Scales[o3 * blocks],
                    ref xq, ref dx, ref offsets, groups, four);
                for (int j = 0; j < 4 && o + j < end; j++) y[o + j] = four[j];
            }
            return;
        }
        // 2 × 4 tiles. While all activation rows fit in L1 beside a weight pair (decode steps), pair by pair: each pair
        // comes from memory once and its later tiles compute while the next pair streams in. Past that (prefill chunks),
        // over blocks of weight rows (~16 KB) for each 4 activation rows, so both stay in L1 (64-row chunks: −15 %);
        // blocking the small case instead serialised its memory and compute phases (+60 % for 8 rows).
        Span<float> tile = stackalloc float[8];
        int blockRows = n * _q8Cols <= 32768 ? 2 : Math.Max(2, 16384 / _q8Cols / 2 * 2);
        for (int first = start; first < end; first += blockRows)
        {
            int last = Math.Min(first + blockRows, end);
            for (int r = 0; r < n; r += 4)
                for (int o = first; o < last; o += 2)
                {
                    int o1 = Math.Min(o + 1, end - 1);
                    Q8Kernels.Tile2x4(ref _q8![o * _q8Cols], ref _q8[o1 * _q8Cols], ref _q8Scales![o * blocks], ref _q8Scales[o1 * blocks],
                        ref Unsafe.Add(ref xq, r * _q8Cols), ref Unsafe.Add(ref dx, r * blocks), ref Unsafe.Add(ref offsets, r * blocks), _q8Cols, groups, tile);
                    for (int i = 0; i < 4 && r + i < n; i++)
                    {
                        y[(r + i) * Rows + o] = tile[i];
                        if (o + 1 < end) y[(r + i) * Rows + o + 1] = tile[4 + i];
                    }
                }
        }
    }

    void MultiplyScalar(Activations x, int n, float[] y, int start, int end)
    {
        var row = new float[Cols];
        int blocks = _q8Cols / Q8Kernels.Block;
        for (int o = start; o < end; o++)
        {
            if (Format == WeightFormat.Q8_0)
            {
                for (int r = 0; r < n; r++)
                    y[r * Rows + o] = Q8Kernels.DotScalar(_q8!.AsSpan(o * _q8Cols, _q8Cols), _q8Scales!.AsSpan(o * blocks, blocks),
                        x.Quantized!.AsSpan(r * _q8Cols, _q8Cols), x.Scales.AsSpan(r * blocks, blocks));
                continue;
            }
            for (int k = 0; k < Cols; k++)
                row[k] = Format switch
                {
                    WeightFormat.F32 => _f32![o * Cols + k],
                    WeightFormat.F16 => HalfBits.FromF16(_f16![o * Cols + k]),
                    _ => HalfBits.FromBF16(_bf16![o * Cols + k]),
                };
            for (int r = 0; r < n; r++)
            {
                float sum = 0;
                var input = x.Row(r);
                for (int k = 0; k < Cols; k++) sum += row[k] * input[k];
                y[r * Rows + o] = sum;
            }
        }
    }

    /// <summary>The weights widened to f32 (tests check packing against the source).</summary>
    internal float Weight(int row, int col) => Format switch
    {
        WeightFormat.F32 => _f32![row * Cols + col],
        WeightFormat.F16 => HalfBits.FromF16(_f16![row * Cols + col]),
        WeightFormat.BF16 => HalfBits.FromBF16(_bf16![row * Cols + col]),
        _ => (_q8![row * _q8Cols + Q8Kernels.Position(col)] - Q8Kernels.WeightBias) * HalfBits.FromF16((short)_q8Scales![row * _q8Cols / Q8Kernels.Block + col / Q8Kernels.Block]),
    };

}
