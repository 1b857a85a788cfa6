using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation;

/// <summary>
/// Sequences of different lengths decoded together, one forward per step for all of them
/// (<see cref="LlamaForCausalLM.DecodeRows"/>). Each live sequence owns one row of a shared KV cache; rows stay packed
/// at the top (a finished sequence's row is taken over by the last one), so a sequence can join or leave between any
/// two steps — the basis of continuous batching. Each sequence samples with its own options and seed, so its tokens
/// are the ones it would get decoded alone (up to float rounding of the batched matrix products).
/// With a <see cref="NativeEngine"/> each sequence owns a <see cref="DecodeState"/> instead of a cache row and a step is
/// one engine step for all rows (in chunks of <see cref="NativeEngine.MaxRows"/>).
/// Not thread-safe: one thread drives it.
/// </summary>
public sealed class DecodeBatch(LlamaForCausalLM model, int maxRows, int? vocabLimit = null, NativeEngine? engine = null) : IDisposable
{
    /// <summary>A sequence in the batch: its tokens so far (prompt + sampled) and where it stands.</summary>
    public sealed class Sequence
    {
        internal Sequence(IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds, int vocab)
        {
            Tokens = [.. prompt];
            PromptLength = prompt.Count;
            Options = options;
            StopIds = stopIds;
            Vocab = vocab;
            Sampler = new LogitSampler(options);
        }

        public List<int> Tokens { get; }
        public int PromptLength { get; }
        public SamplingOptions Options { get; }
        internal IReadOnlyCollection<int> StopIds { get; }
        internal int Vocab { get; }
        internal LogitSampler Sampler { get; }
        internal int Row { get; set; } = -1;
        /// <summary>The sequence's KV cache on the native engine (null on torch).</summary>
        internal DecodeState? State { get; set; }
        /// <summary>Prompt positions still to prefill (a sequence that <see cref="Join"/>ed, until its steps have fed them).</summary>
        internal int PrefillLeft { get; set; }

        public int Generated => Tokens.Count - PromptLength;

        /// <summary>The newest sampled id (valid once <see cref="Generated"/> &gt; 0).</summary>
        public int Last => Tokens[^1];

        /// <summary>Sampled a stop id or reached max tokens: no further steps for it.</summary>
        public bool Finished => Generated >= Options.MaxNewTokens || (Generated > 0 && StopIds.Contains(Last));

        /// <summary>Positions held in the KV cache: everything but the newest token, which the next step feeds.</summary>
        internal long Cached => Tokens.Count - 1;
    }

    readonly List<Sequence> _rows = [];
    readonly Device _device = model.parameters().First().device;
    KVCache? _cache;

    /// <summary>
    /// The prompt prefilled last, its last position's logits and the sequence whose row holds its keys and values. Online
    /// DPO and best-of-k sampling add k sequences with one prompt in a row: each repeat copies the cached prompt from that
    /// row instead of running the prefill again — the same numbers, k − 1 prefills fewer.
    /// </summary>
    (int[] Prompt, float[] Logits, Sequence Source)? _lastPrefill;
    float[] _engineLogits = [], _row = [];

    public int MaxRows { get; } = maxRows > 0 ? maxRows : throw new ArgumentOutOfRangeException(nameof(maxRows), "at least one row");
    public int Count => _rows.Count;
    public IReadOnlyList<Sequence> Live => _rows;

    /// <summary>
    /// Adds a sequence: validates it (options, prompt, context room), prefills its prompt into a free row and samples
    /// its first token. A sequence that is already finished (max tokens 0 or 1, or a stop id first) holds no row.
    /// </summary>
    public Sequence Add(IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds) =>
        Add(prompt, options, stopIds, deferPrefill: false);

    /// <summary>
    /// Adds a sequence like <see cref="Add"/>, but on the native engine its prompt is prefilled by the following
    /// <see cref="Step"/>s, at most <see cref="PrefillRowsPerStep"/> prompt tokens per step beside the running
    /// sequences' decode rows (a step's whole <see cref="NativeEngine.MaxRows"/> while no sequence is decoding yet), and
    /// its first token comes from the step that feeds the prompt's end. Running sequences thus keep decoding while a long
    /// prompt joins (continuous batching's chunked prefill). On torch it is <see cref="Add"/>.
    /// </summary>
    public Sequence Join(IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds) =>
        Add(prompt, options, stopIds, deferPrefill: engine is not null);

    /// <summary>
    /// Prompt tokens one step prefills for joining sequences. A step's cost grows with its rows once they are many
    /// (the projections turn compute-bound), so this bounds how much a joining prompt slows the running streams' step.
    /// </summary>
    public const int PrefillRowsPerStep = 32;

    Sequence Add(IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds, bool deferPrefill)
    {
        int vocab = TokenSampler.CheckRequest(model, prompt, options, vocabLimit);
        var sequence = new Sequence(prompt, options, stopIds, vocab);
        if (options.MaxNewTokens == 0) return sequence;
        if (_rows.Count == MaxRows) throw new InvalidOperationException($"The batch is full ({MaxRows} rows).");
        var promptIds = prompt.ToArray();
        if (engine is not null) AddOnEngine(engine, sequence, promptIds, vocab, deferPrefill);
        else AddOnTorch(sequence, promptIds, vocab);
        if (!sequence.Finished)
        {
            sequence.Row = _rows.Count;
            _rows.Add(sequence);
        }
        return sequence;
    }

    /// <summary>
    /// Prefills into a fresh engine state (now, or by the coming steps when deferred), or copies the previous identical
    /// prompt's positions from its state.
    /// </summary>
    void AddOnEngine(NativeEngine engine, Sequence sequence, int[] promptIds, int vocab, bool deferPrefill)
    {
        sequence.State = engine.NewState();
        if (_lastPrefill is { } last && last.Logits.Length == vocab && last.Prompt.AsSpan().SequenceEqual(promptIds))
        {
            sequence.State.CopyPrefix(last.Source.State!, promptIds.Length);
            Sample(sequence, (float[])last.Logits.Clone());
            return;
        }
        if (deferPrefill)
        {
            sequence.PrefillLeft = promptIds.Length;
            return;
        }
        var logits = new float[engine.Config.VocabSize];
        engine.Prefill(sequence.State, promptIds, logits);
        _lastPrefill = (promptIds, logits[..vocab], sequence);
        Sample(sequence, logits[..vocab]);
    }

    void AddOnTorch(Sequence sequence, int[] promptIds, int vocab)
    {
        EnsureCapacity(promptIds.Length + sequence.Options.MaxNewTokens);
        if (_lastPrefill is { } last && last.Source.Row >= 0 && last.Logits.Length == vocab && last.Prompt.AsSpan().SequenceEqual(promptIds))
        {
            _cache!.MoveRow(last.Source.Row, _rows.Count, promptIds.Length);
            Sample(sequence, (float[])last.Logits.Clone());
        }
        else
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var row = _cache!.Row(_rows.Count);
            var ids = tensor(promptIds.Select(i => (long)i).ToArray(), [1, promptIds.Length], device: _device);
            var logits = model.Forward(ids, cache: row, lastTokenLogitsOnly: true).Logits[0, -1, ..vocab].to_type(ScalarType.Float32).cpu().data<float>().ToArray();
            _lastPrefill = (promptIds, (float[])logits.Clone(), sequence);
            Sample(sequence, logits);
        }
    }

    /// <summary>One token for every live sequence; the finished ones leave the batch (check <see cref="Sequence.Finished"/>).</summary>
    public void Step()
    {
        if (_rows.Count == 0) return;
        if (engine is not null) StepOnEngine(engine);
        else StepOnTorch();
        foreach (var s in _rows.Where(s => s.Finished).ToList()) Remove(s);
    }

    /// <summary>
    /// Every decoding sequence's next token and the next prompt chunks of joining ones, in engine steps of at most
    /// <see cref="NativeEngine.MaxRows"/> rows.
    /// </summary>
    void StepOnEngine(NativeEngine engine)
    {
        var feeds = new List<(Sequence Sequence, int Count)>();
        // No running stream to keep the pace of: prompts that arrived together fill the step (one pass over the weights
        // for several prompts, and they start decoding in fewer steps apart).
        int prefill = _rows.Any(s => s.PrefillLeft == 0) ? PrefillRowsPerStep : NativeEngine.MaxRows;
        foreach (var s in _rows)
            if (s.PrefillLeft == 0) feeds.Add((s, 1));
            else if (prefill > 0)
            {
                int count = Math.Min(s.PrefillLeft, prefill);
                prefill -= count;
                feeds.Add((s, count));
            }
        int width = engine.Config.VocabSize;
        if (_engineLogits.Length < Math.Min(feeds.Count, NativeEngine.MaxRows) * width) _engineLogits = new float[Math.Min(MaxRows, NativeEngine.MaxRows) * width];
        for (int start = 0; start < feeds.Count;)
        {
            int rows = 0, end = start;
            while (end < feeds.Count && rows + feeds[end].Count <= NativeEngine.MaxRows) rows += feeds[end++].Count;
            var chunk = feeds.GetRange(start, end - start);
            var tokens = chunk.SelectMany(f => f.Sequence.PrefillLeft == 0 ? [f.Sequence.Last] : Prompt(f.Sequence, f.Count)).ToArray();
            engine.Step(chunk.Select(f => f.Sequence.State!).ToList(), chunk.Select(f => f.Count).ToArray(), tokens, _engineLogits);
            for (int i = 0; i < chunk.Count; i++)
            {
                var s = chunk[i].Sequence;
                if (s.PrefillLeft > 0 && (s.PrefillLeft -= chunk[i].Count) > 0) continue; // mid-prompt: no token yet
                // one reused row per vocabulary size: no 128 KB large-object allocation per row and step
                if (_row.Length != s.Vocab) _row = new float[s.Vocab];
                _engineLogits.AsSpan(i * width, s.Vocab).CopyTo(_row);
                if (s.Generated == 0) _lastPrefill = (s.Tokens.ToArray(), (float[])_row.Clone(), s);
                Sample(s, _row);
            }
            start = end;
        }
    }

    /// <summary>The next <paramref name="count"/> prompt tokens a joining sequence has not fed yet.</summary>
    static IEnumerable<int> Prompt(Sequence s, int count) => s.Tokens.Skip(s.PromptLength - s.PrefillLeft).Take(count);

    void StepOnTorch()
    {
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var ids = tensor(_rows.Select(s => (long)s.Last).ToArray(), [_rows.Count, 1], device: _device);
            var logits = model.DecodeRows(ids, _cache!, _rows.Select(s => s.Cached).ToArray()).to_type(ScalarType.Float32).cpu();
            long width = logits.shape[1];
            var all = logits.data<float>().ToArray();
            foreach (var s in _rows) Sample(s, all.AsSpan((int)(s.Row * width), s.Vocab).ToArray());
        }
    }

    /// <summary>Takes a sequence out (finished, or cancelled by its caller); its row goes to the last live sequence.</summary>
    public void Remove(Sequence sequence)
    {
        int row = sequence.Row;
        if (row < 0) return;
        var last = _rows[^1];
        if (last != sequence)
        {
            _cache?.MoveRow(last.Row, row, last.Cached);
            last.Row = row;
            _rows[row] = last;
        }
        _rows.RemoveAt(_rows.Count - 1);
        sequence.Row = -1;
        if (sequence.State is { } state)
        {
            // Its cache's memory goes to the next sequence, unless it is the prompt a repeat would copy.
            if (_lastPrefill?.Source == sequence) _lastPrefill = null;
            state.Release();
        }
    }

    static void Sample(Sequence s, float[] logits) => s.Tokens.Add(s.Sampler.Next(logits, s.Tokens, s.PromptLength));

    /// <summary>Grows the cache (doubling, up to the context) so a row can hold <paramref name="positions"/>.</summary>
    void EnsureCapacity(long positions)
    {
        if (_cache is not null && _cache.Capacity >= positions) return;
        long context = model.Config.MaxPositionEmbeddings;
        long capacity = Math.Min(context, Math.Max(positions, Math.Max(256, 2 * (_cache?.Capacity ?? 0))));
        var grown = model.NewCache(MaxRows, capacity);
        if (_cache is not null)
        {
            _cache.CopyRowsTo(grown, _rows.Count, _rows.Count == 0 ? 0 : _rows.Max(s => s.Cached));
            _cache.Dispose();
        }
        _cache = grown;
    }

    public void Dispose() => _cache?.Dispose();
}
