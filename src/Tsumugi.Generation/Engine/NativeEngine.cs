using System.Numerics.Tensors;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Layers;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// The native decode engine: the Llama forward for a handful of token rows at a time, in plain .NET over weights packed
/// once (<see cref="EngineWeights"/>), with no libtorch call and no allocation in the token loop. A step's cost is the
/// weight bytes it streams: every projection is one pass over its packed matrix for all rows of the step
/// (<see cref="PackedMatrix"/>), so 16 rows read the weights once, as 1 row does. Rows may belong to different
/// sequences (continuous batching) or be consecutive tokens of one prompt (prefill): each writes its keys and values
/// at its own position of its own <see cref="DecodeState"/> before any row attends. The math follows the torch model
/// (<see cref="LlamaForCausalLM"/>) op for op in f32 — RMSNorm, rotate-half RoPE with the same inverse frequencies,
/// softmax attention, SiLU-gated MLP — so at f32 it picks the same greedy tokens; f16/bf16/Q8_0 change only how the
/// weights are stored (and, for Q8_0, the activations entering each projection, as llama.cpp does).
/// Not thread-safe: one caller at a time (its own workers are internal).
/// </summary>
public sealed class NativeEngine : IDisposable
{
    /// <summary>Rows one forward holds: decode rows of a batch, or a prompt chunk.</summary>
    public const int MaxRows = 64;

    readonly EngineWeights _w;
    readonly WorkerPool _pool;
    readonly int _hidden, _heads, _kvHeads, _headDim, _inter, _vocab, _qRows, _kvRows, _qkvRows;
    readonly float _eps, _scale;
    readonly float[] _invFreq;
    float[] _cos = [], _sin = [];
    readonly float[] _x, _qkv, _proj, _gateUp, _headOut;
    readonly Activations _normed, _attention, _activated, _headIn;
    readonly AlignedBuffer<float>[] _scratch;
    readonly float[][] _scores;
    readonly int[] _positions = new int[MaxRows];
    readonly DecodeState[] _rowStates = new DecodeState[MaxRows];
    readonly int[] _logitRows = new int[MaxRows];
    /// <summary>One forward at a time: a server's batcher thread and a direct caller may share the engine.</summary>
    readonly Lock _gate = new();

    public LlamaConfig Config { get; }
    public WeightFormat Format { get; }
    public int Threads => _pool.Count;

    /// <summary>Weight bytes one decode step reads (the layers' projections and the output head).</summary>
    public long WeightBytesPerToken => _w.BytesPerToken;

    /// <summary>Why the engine cannot run this configuration (the caller then decodes with torch), or null.</summary>
    public static string? Unsupported(LlamaConfig c)
    {
        if (c.IsMoE) return "mixture-of-experts layers are not in the native engine";
        if (c.NormAddsOne || c.SandwichNorms || c.EmbeddingScale is not null || c.AttentionSoftcap is not null || c.LogitSoftcap is not null)
            return "Gemma 2's norms, embedding scale and softcaps are not in the native engine";
        if (c.Activation != "silu") return $"activation {c.Activation} is not in the native engine (SiLU only)";
        if (Math.Abs(c.AttentionScale * Math.Sqrt(c.HeadDim) - 1) > 1e-12) return "an attention scale other than head_dim^-1/2 is not in the native engine";
        return null;
    }

    /// <param name="threads">Workers for the projections and attention (1 = the calling thread only).</param>
    /// <param name="simd">False runs the scalar reference kernels (tests).</param>
    public NativeEngine(LlamaForCausalLM model, WeightFormat format, int threads = 1, bool simd = true)
    {
        var c = model.Config;
        if (Unsupported(c) is { } reason) throw new NotSupportedException(reason);
        Config = c;
        Format = format;
        _w = new EngineWeights(model, format, simd);
        _pool = new WorkerPool(threads);
        (_hidden, _heads, _kvHeads, _headDim, _inter, _vocab) = (c.HiddenSize, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.IntermediateSize, c.VocabSize);
        (_qRows, _kvRows) = (_heads * _headDim, _kvHeads * _headDim);
        _qkvRows = _qRows + 2 * _kvRows;
        _eps = (float)c.RmsNormEps;
        _scale = (float)c.AttentionScale;
        _invFreq = RotaryEmbedding.InverseFrequencies(_headDim, c.RopeTheta, c.RopeScaling);
        int rows = Activations.PaddedRows(MaxRows);
        _x = new float[rows * _hidden];
        _qkv = new float[rows * _qkvRows];
        _proj = new float[rows * _hidden];
        _gateUp = new float[rows * 2 * _inter];
        _headOut = new float[rows * _vocab];
        _normed = new Activations(MaxRows, _hidden);
        _attention = new Activations(MaxRows, _qRows);
        _activated = new Activations(MaxRows, _inter);
        _headIn = new Activations(MaxRows, _hidden);
        int widest = Math.Max(Math.Max(_hidden, _inter), _qRows);
        _scratch = Enumerable.Range(0, threads).Select(_ => new AlignedBuffer<float>(4 * widest)).ToArray(); // four widened weight rows (PackedMatrix.MultiplyRows)
        _scores = Enumerable.Range(0, threads).Select(_ => new float[AttentionKernels.ScratchLength(_headDim, c.MaxPositionEmbeddings)]).ToArray();
    }

    /// <summary>
    /// A new sequence's cache: f16 when the weights are f16, bf16 or Q8_0 (as llama.cpp's default cache), f32 with f32
    /// weights, whose greedy tokens must stay those of the torch model.
    /// </summary>
    public DecodeState NewState() => NewState(half: Format != WeightFormat.F32);

    /// <summary>A cache of the given element type (tests compare the two).</summary>
    internal DecodeState NewState(bool half) => new(_w.Layers.Length, _kvHeads, _headDim, Config.MaxPositionEmbeddings, half, _kvPool);

    /// <summary>Freed caches' arrays (<see cref="DecodeState.Release"/>), up to 1 GiB.</summary>
    readonly KvArrayPool _kvPool = new(1L << 30);

    /// <summary>Feeds <paramref name="tokens"/> after the state's cached positions, in chunks of <see cref="MaxRows"/>; the last token's logits [vocab].</summary>
    public void Prefill(DecodeState state, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (tokens.Length == 0) throw new ArgumentException("nothing to prefill", nameof(tokens));
        using var entered = _gate.EnterScope();
        state.EnsureCapacity(state.Length + tokens.Length);
        for (int start = 0; start < tokens.Length; start += MaxRows)
        {
            int n = Math.Min(MaxRows, tokens.Length - start);
            for (int r = 0; r < n; r++) (_rowStates[r], _positions[r]) = (state, state.Length + r);
            bool last = start + n == tokens.Length;
            _logitRows[0] = n - 1;
            Run(tokens.Slice(start, n), n, last ? 1 : 0, logits);
            state.Length += n;
        }
    }

    /// <summary>One token per state at its next position (one decode step for them all); logits [n × vocab].</summary>
    public void Decode(IReadOnlyList<DecodeState> states, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (states.Count > MaxRows) throw new ArgumentException($"at most {MaxRows} rows per step, got {states.Count}");
        Span<int> ones = stackalloc int[states.Count];
        ones.Fill(1);
        Step(states, ones, tokens, logits);
    }

    /// <summary>
    /// One forward for several sequences at once: state i feeds <paramref name="counts"/>[i] consecutive tokens of
    /// <paramref name="tokens"/> after its cached positions — 1 to decode its next token, more to prefill a chunk of its
    /// prompt beside the others' decode rows (chunked prefill: a joining request no longer stalls the running ones for
    /// its whole prompt). Logits [states × vocab]: row i for state i's last fed token. At most <see cref="MaxRows"/> tokens.
    /// </summary>
    public void Step(IReadOnlyList<DecodeState> states, ReadOnlySpan<int> counts, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int n = states.Count;
        if (n == 0) return;
        if (counts.Length != n) throw new ArgumentException($"{counts.Length} counts for {n} states");
        int rows = 0;
        foreach (int c in counts) rows += c > 0 ? c : throw new ArgumentException("every state feeds at least one token");
        if (rows > MaxRows) throw new ArgumentException($"at most {MaxRows} rows per step, got {rows}");
        if (tokens.Length != rows) throw new ArgumentException($"{tokens.Length} tokens for {rows} rows");
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(states[i], states[j])) throw new ArgumentException("a state appears twice in one step");
        using var entered = _gate.EnterScope();
        int row = 0;
        for (int i = 0; i < n; i++)
        {
            states[i].EnsureCapacity(states[i].Length + counts[i]);
            for (int j = 0; j < counts[i]; j++, row++) (_rowStates[row], _positions[row]) = (states[i], states[i].Length + j);
            _logitRows[i] = row - 1;
        }
        Run(tokens, rows, n, logits);
        for (int i = 0; i < n; i++) states[i].Length += counts[i];
    }

    /// <summary>The forward for rows 0..n−1 (_rowStates/_positions set); logits of the first <paramref name="logitCount"/> of _logitRows.</summary>
    void Run(ReadOnlySpan<int> tokens, int n, int logitCount, Span<float> logits)
    {
        EnsureRope(_positions.AsSpan(0, n).ToArray().Max() + 1);
        for (int r = 0; r < n; r++)
        {
            if ((uint)tokens[r] >= (uint)_vocab) throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {tokens[r]} is outside the vocabulary ({_vocab})");
            _w.Embedding.AsSpan(tokens[r] * _hidden, _hidden).CopyTo(_x.AsSpan(r * _hidden, _hidden));
        }
        for (int l = 0; l < _w.Layers.Length; l++)
        {
            var layer = _w.Layers[l];
            Normalize(_x, layer.AttentionNorm, _normed, n, null);
            Multiply(layer.Qkv, _normed, n, _qkv);
            ForRows(n, r => PlaceKeysAndValues(l, r));
            _pool.Run(worker =>
            {
                var (start, end) = _pool.Share(worker, n * _heads, 1);
                for (int item = start; item < end; item++) Attend(l, item / _heads, item % _heads, layer.Window, _scores[worker]);
            });
            Multiply(layer.Output, _attention, n, _proj, quantize: true);
            TensorPrimitives.Add(_x.AsSpan(0, n * _hidden), _proj.AsSpan(0, n * _hidden), _x.AsSpan(0, n * _hidden));
            Normalize(_x, layer.MlpNorm, _normed, n, null);
            Multiply(layer.GateUp, _normed, n, _gateUp);
            ForRows(n, Activate);
            Multiply(layer.Down, _activated, n, _proj, quantize: true);
            TensorPrimitives.Add(_x.AsSpan(0, n * _hidden), _proj.AsSpan(0, n * _hidden), _x.AsSpan(0, n * _hidden));
        }
        if (logitCount == 0) return;
        Normalize(_x, _w.FinalNorm, _headIn, logitCount, _logitRows);
        Multiply(_w.Head, _headIn, logitCount, _headOut, quantize: true);
        _headOut.AsSpan(0, logitCount * _vocab).CopyTo(logits);
    }

    /// <summary>
    /// HF LlamaRMSNorm in f32: x · rsqrt(mean(x²) + eps), then · weight. Row j of <paramref name="target"/> normalises
    /// source row <paramref name="rows"/>[j] (or j).
    /// </summary>
    void Normalize(float[] source, float[] weight, Activations target, int count, int[]? rows)
    {
        for (int j = 0; j < count; j++)
        {
            var x = source.AsSpan((rows?[j] ?? j) * _hidden, _hidden);
            float mean = TensorPrimitives.SumOfSquares(x) / _hidden;
            float inverse = 1f / MathF.Sqrt(mean + _eps);
            var y = target.Row(j);
            TensorPrimitives.Multiply(x, inverse, y);
            TensorPrimitives.Multiply(y, weight, y);
        }
        if (ShouldQuantize(target)) target.Quantize(count);
    }

    bool ShouldQuantize(Activations a) => Format == WeightFormat.Q8_0 && a.Quantized is not null;

    void Multiply(PackedMatrix m, Activations x, int n, float[] y, bool quantize = false)
    {
        if (quantize && m.Format == WeightFormat.Q8_0) x.Quantize(n);
        _pool.Run(worker =>
        {
            var (start, end) = _pool.Share(worker, m.Rows);
            if (start < end) m.Multiply(x, n, y, start, end, _scratch[worker].AsSpan());
        });
    }

    /// <summary>
    /// Per-row work between the projections, shared by the workers when the step has several rows (an 8-row step spent
    /// ~1 ms on it on one core); one row runs on the caller alone, without a hand-off.
    /// </summary>
    void ForRows(int n, Action<int> body)
    {
        if (n == 1)
        {
            body(0);
            return;
        }
        _pool.Run(worker =>
        {
            var (start, end) = _pool.Share(worker, n, 1);
            for (int r = start; r < end; r++) body(r);
        });
    }

    /// <summary>RoPE on row r's q and k heads at the row's position, then its k and v into the row's cache.</summary>
    void PlaceKeysAndValues(int layer, int r)
    {
        int half = _headDim / 2;
        var row = _qkv.AsSpan(r * _qkvRows, _qkvRows);
        int p = _positions[r];
        var cos = _cos.AsSpan(p * half, half);
        var sin = _sin.AsSpan(p * half, half);
        for (int h = 0; h < _heads + _kvHeads; h++) Rotate(row.Slice(h * _headDim, _headDim), cos, sin);
        for (int g = 0; g < _kvHeads; g++)
            _rowStates[r].Store(layer, g, p, row.Slice(_qRows + g * _headDim, _headDim), row.Slice(_qRows + _kvRows + g * _headDim, _headDim));
    }

    /// <summary>Row r's SiLU-gated product: silu(gate) · up, silu(g) = g / (1 + exp(−g)) as torch computes it.</summary>
    void Activate(int r)
    {
        var gate = _gateUp.AsSpan(r * 2 * _inter, _inter);
        var up = _gateUp.AsSpan(r * 2 * _inter + _inter, _inter);
        var target = _activated.Row(r);
        TensorPrimitives.Negate(gate, target);
        TensorPrimitives.Exp(target, target);
        TensorPrimitives.Add(target, 1f, target);
        TensorPrimitives.Divide(gate, target, target);
        TensorPrimitives.Multiply(target, up, target);
    }

    /// <summary>HF rotate_half: x·cos + cat(−x₂, x₁)·sin, each product rounded before the sum as torch does.</summary>
    static void Rotate(Span<float> x, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = cos.Length;
        for (int i = 0; i < half; i++)
        {
            float a = x[i], b = x[i + half];
            float c = cos[i], s = sin[i];
            x[i] = a * c + -b * s;
            x[i + half] = b * c + a * s;
        }
    }

    /// <summary>Softmax attention of row r's query head h over its sequence's positions (within the layer's window).</summary>
    void Attend(int layer, int r, int h, int? window, float[] scratch) =>
        AttentionKernels.Attend(_rowStates[r], layer, h / (_heads / _kvHeads), _positions[r], window, _qkv.AsSpan(r * _qkvRows + h * _headDim, _headDim),
            _scale, _attention.Row(r).Slice(h * _headDim, _headDim), scratch);

    /// <summary>cos/sin of position × inverse frequency, the product in f32 as torch's outer product computes it.</summary>
    void EnsureRope(int positions)
    {
        int half = _headDim / 2;
        if (_cos.Length >= positions * half) return;
        int length = Math.Min(Config.MaxPositionEmbeddings, Math.Max(positions, Math.Max(256, 2 * _cos.Length / half)));
        length = Math.Max(length, positions);
        var (cos, sin) = (new float[length * half], new float[length * half]);
        for (int p = 0; p < length; p++)
            for (int i = 0; i < half; i++)
            {
                float angle = p * _invFreq[i];
                (cos[p * half + i], sin[p * half + i]) = (MathF.Cos(angle), MathF.Sin(angle));
            }
        (_cos, _sin) = (cos, sin);
    }

    public void Dispose() => _pool.Dispose();
}
