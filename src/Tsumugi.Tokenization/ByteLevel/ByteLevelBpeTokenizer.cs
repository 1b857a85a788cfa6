using System.Collections.Concurrent;
using System.Text;

namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>
/// Encodes and decodes as Hugging Face's byte-level BPE (GPT-2, Llama 3, Qwen2 tokenizer.json) does, checked
/// against the JavaScript library (npm @huggingface/tokenizers): added tokens are split out first (leftmost, longest),
/// the rest is normalized (NFC for Qwen2), pre-tokenized, each pre-token's UTF-8 bytes are merged lowest rank first
/// (leftmost on ties). Merging works on ids with a rank table over id pairs; pre-token results are cached.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    const int MaxCachedPreTokenChars = 256;
    const int MaxCacheEntries = 1 << 20;

    readonly string?[] _tokens;
    readonly bool[] _isAdded, _isSpecial;
    readonly int[] _byteIds = new int[256];
    readonly Dictionary<long, (int Rank, int Result)> _merges;
    readonly Dictionary<string, int> _pieceToId;
    readonly PreTokenizerSplitter _splitter;
    readonly AddedTokenMatcher _rawAdded, _normalizedAdded;
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    int _cacheCount;

    public ByteLevelBpeModel Model { get; }
    public string Kind => "byte-level-bpe";
    public int VocabSize => _tokens.Length;
    public int BosId { get; }
    public int EosId { get; }
    public int UnkId => -1;
    public IReadOnlyList<(string Text, int Id)> SpecialTokens { get; }

    /// <summary>Loads a tokenizer.json (with tokenizer_config.json beside it for bos/eos when present).</summary>
    public static ByteLevelBpeTokenizer Load(string tokenizerJsonPath) => new(ByteLevelBpeModel.Load(tokenizerJsonPath), tokenizerJsonPath);

    /// <param name="source">Named in errors (the file the model came from).</param>
    public ByteLevelBpeTokenizer(ByteLevelBpeModel model, string source = "byte-level BPE model")
    {
        Model = model;
        int n = model.IdCount;
        _tokens = new string?[n];
        _isAdded = new bool[n];
        _isSpecial = new bool[n];
        _pieceToId = new Dictionary<string, int>(model.Vocab, StringComparer.Ordinal);
        foreach (var (token, id) in model.Vocab)
        {
            if (id < 0) throw new InvalidDataException($"{source}: model.vocab['{token}'] has the negative id {id}.");
            _tokens[id] = token;
        }
        foreach (var t in model.AddedTokens)
        {
            if (t.Id < 0) throw new InvalidDataException($"{source}: added_tokens '{t.Content}' has the negative id {t.Id}.");
            _tokens[t.Id] = t.Content;
            _isAdded[t.Id] = true;
            _isSpecial[t.Id] = t.Special;
            _pieceToId[t.Content] = t.Id;
        }
        for (int b = 0; b < 256; b++)
        {
            var c = ByteLevelAlphabet.ByteToChar[b].ToString();
            _byteIds[b] = model.Vocab.TryGetValue(c, out int id) ? id
                : throw new InvalidDataException($"{source}: model.vocab lacks the byte token '{c}' (byte 0x{b:X2}); a byte-level vocabulary holds all 256.");
        }
        _merges = new Dictionary<long, (int, int)>(model.Merges.Count);
        for (int r = 0; r < model.Merges.Count; r++)
        {
            var (a, b) = model.Merges[r];
            if (!model.Vocab.TryGetValue(a, out int ia) || !model.Vocab.TryGetValue(b, out int ib))
                throw new InvalidDataException($"{source}: model.merges[{r}] \"{a} {b}\" uses a token missing from model.vocab.");
            if (!model.Vocab.TryGetValue(a + b, out int result))
                throw new InvalidDataException($"{source}: model.merges[{r}] \"{a} {b}\" makes '{a + b}', which is missing from model.vocab.");
            // A repeated pair keeps its last rank, as the JavaScript library's Map does.
            _merges[Key(ia, ib)] = (r, result);
        }
        _splitter = model.SplitPattern == null ? PreTokenizerSplitter.Gpt2 : PreTokenizerSplitter.ForSplitPattern(model.SplitPattern);
        // Tokens marked normalized are matched after the normalizer runs (only where there is one), the rest in the raw text.
        _rawAdded = new AddedTokenMatcher(model.AddedTokens.Where(t => !(t.Normalized && model.Nfc)));
        _normalizedAdded = new AddedTokenMatcher(model.AddedTokens.Where(t => t.Normalized && model.Nfc)
            .Select(t => t with { Content = t.Content.Normalize(NormalizationForm.FormC) }));
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        BosId = model.BosToken != null && _pieceToId.TryGetValue(model.BosToken, out int bos) ? bos : -1;
        EosId = model.EosToken != null && _pieceToId.TryGetValue(model.EosToken, out int eos) ? eos : -1;
        SpecialTokens = [.. model.AddedTokens.Where(t => t.Special).OrderByDescending(t => t.Content.Length).ThenBy(t => t.Id).Select(t => (t.Content, t.Id))];
    }

    static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="dir"/>.</summary>
    public void Save(string dir) => Model.Save(dir);

    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        EncodeInto(text, ids);
        return [.. ids];
    }

    public int[] Encode(ReadOnlySpan<byte> utf8) => Encode(System.Text.Encoding.UTF8.GetString(utf8));

    public void EncodeInto(ReadOnlySpan<byte> utf8, List<int> ids) => EncodeInto(System.Text.Encoding.UTF8.GetString(utf8), ids);

    public void EncodeInto(string text, List<int> ids) => Walk(text, ids, null);

    /// <summary>The pre-tokens of text (added tokens left out), as the trainer counts them.</summary>
    internal void CollectPreTokens(string text, List<string> preTokens) => Walk(text, null, preTokens);

    /// <summary>Added tokens → ids; the text between them normalized, pre-tokenized, then merged (or collected).</summary>
    void Walk(string text, List<int>? ids, List<string>? preTokens)
    {
        foreach (var (section, addedId) in _rawAdded.Split(text))
        {
            if (addedId >= 0) { ids?.Add(addedId); continue; }
            var normalized = Model.Nfc && !section.IsNormalized(NormalizationForm.FormC) ? section.Normalize(NormalizationForm.FormC) : section;
            if (_normalizedAdded.IsEmpty) { WalkSection(normalized, ids, preTokens); continue; }
            foreach (var (sub, subId) in _normalizedAdded.Split(normalized))
                if (subId >= 0) ids?.Add(subId);
                else WalkSection(sub, ids, preTokens);
        }
    }

    void WalkSection(string text, List<int>? ids, List<string>? preTokens)
    {
        if (text.Length == 0) return;
        var spans = new List<(int Start, int Length)>();
        // ByteLevel's add_prefix_space applies to what reaches it: the section (GPT-2) or each Split piece.
        if (Model.AddPrefixSpace && Model.SplitPattern == null && text[0] != ' ') text = " " + text;
        _splitter.Split(text, 0, text.Length, spans);
        foreach (var (start, length) in spans)
        {
            var piece = text.AsSpan(start, length);
            if (Model.AddPrefixSpace && Model.SplitPattern != null && piece[0] != ' ') piece = (" " + piece.ToString()).AsSpan();
            if (preTokens != null) preTokens.Add(piece.ToString());
            else EncodePreToken(piece, ids!);
        }
    }

    void EncodePreToken(ReadOnlySpan<char> preToken, List<int> ids)
    {
        if (_cacheLookup.TryGetValue(preToken, out var hit)) { ids.AddRange(hit); return; }
        var result = MergePreToken(preToken);
        if (preToken.Length < MaxCachedPreTokenChars)
        {
            // Bounded: a corpus of unique long words must not grow the cache without end. Counted here because
            // ConcurrentDictionary.Count takes every lock (it serialised the encoding threads).
            if (Volatile.Read(ref _cacheCount) >= MaxCacheEntries) { _cache.Clear(); Volatile.Write(ref _cacheCount, 0); }
            if (_cacheLookup.TryAdd(preToken, result)) Interlocked.Increment(ref _cacheCount);
        }
        ids.AddRange(result);
    }

    int[] MergePreToken(ReadOnlySpan<char> preToken) => MergeBytes(System.Text.Encoding.UTF8.GetBytes(preToken.ToArray()));

    /// <summary>The ids of one pre-token's UTF-8 bytes (ignore_merges, then the merges).</summary>
    public int[] MergeBytes(byte[] bytes)
    {
        if (Model.IgnoreMerges && _pieceToId.TryGetValue(ByteLevelAlphabet.Encode(bytes), out int whole)) return [whole];
        int n = bytes.Length;
        var sym = new int[n];
        for (int i = 0; i < n; i++) sym[i] = _byteIds[bytes[i]];
        if (n < 2) return sym;
        if (n <= ShortWord) return MergeShort(sym);
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
        // (rank, position of the left symbol): the lowest rank first, the leftmost on ties (HF and the JS library).
        var queue = new PriorityQueue<int, long>();
        for (int i = 0; i + 1 < n; i++) Push(queue, sym, i, i + 1);
        int alive = n;
        while (queue.TryDequeue(out int pos, out long priority))
        {
            int right = next[pos];
            if (sym[pos] < 0 || right < 0) continue;
            if (!_merges.TryGetValue(Key(sym[pos], sym[right]), out var m) || m.Rank != (int)(priority >> 32)) continue;
            sym[pos] = m.Result;
            sym[right] = -1;
            alive--;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) Push(queue, sym, prev[pos], pos);
            if (next[pos] >= 0) Push(queue, sym, pos, next[pos]);
        }
        var result = new int[alive];
        for (int i = 0, k = 0; i >= 0 && k < alive; i = next[i]) result[k++] = sym[i];
        return result;
    }

    const int ShortWord = 96;

    /// <summary>
    /// The same merge order for a short word without a heap: the rank of each adjacent pair in an array, the lowest
    /// (leftmost on ties) found by a scan; only the two pairs beside a merge are looked up again.
    /// </summary>
    int[] MergeShort(int[] sym)
    {
        int n = sym.Length;
        Span<int> ranks = stackalloc int[n];
        Span<int> results = stackalloc int[n];
        for (int i = 0; i + 1 < n; i++) Rank(sym, i, ranks, results);
        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < n; i++)
                if (ranks[i] < bestRank) { bestRank = ranks[i]; best = i; }
            if (best < 0) break;
            sym[best] = results[best];
            // Close the gap left by the right symbol.
            for (int i = best + 1; i + 1 < n; i++) { sym[i] = sym[i + 1]; ranks[i] = ranks[i + 1]; results[i] = results[i + 1]; }
            n--;
            if (best > 0) Rank(sym, best - 1, ranks, results);
            if (best + 1 < n) Rank(sym, best, ranks, results);
        }
        return n == sym.Length ? sym : sym[..n];

        void Rank(int[] s, int i, Span<int> r, Span<int> res)
        {
            if (_merges.TryGetValue(Key(s[i], s[i + 1]), out var m)) { r[i] = m.Rank; res[i] = m.Result; }
            else r[i] = int.MaxValue;
        }
    }

    void Push(PriorityQueue<int, long> queue, int[] sym, int left, int right)
    {
        if (_merges.TryGetValue(Key(sym[left], sym[right]), out var m)) queue.Enqueue(left, ((long)m.Rank << 32) | (uint)left);
    }

    public int[][] EncodeBatch(IReadOnlyList<string> texts, int maxThreads = -1)
    {
        var result = new int[texts.Count][];
        Parallel.For(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, i => result[i] = Encode(texts[i]));
        return result;
    }

    public int[][] EncodeBatch(IReadOnlyList<byte[]> utf8Lines, int maxThreads = -1)
    {
        var result = new int[utf8Lines.Count][];
        Parallel.For(0, utf8Lines.Count, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, i => result[i] = Encode(utf8Lines[i]));
        return result;
    }

    /// <summary>Ids → text: byte-level tokens → bytes → UTF-8 (malformed runs → U+FFFD, as TextDecoder does); special tokens skipped.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (AppendDecoded(id, bytes, out _) is not { } verbatim) continue;
            sb.Append(System.Text.Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)));
            bytes.Clear();
            sb.Append(verbatim);
        }
        return sb.Append(System.Text.Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))).ToString();
    }

    /// <summary>How an id decodes: skipped (special), verbatim text (added), or bytes (appended to <paramref name="bytes"/>).</summary>
    internal string? AppendDecoded(int id, List<byte> bytes, out bool skip)
    {
        string token = (uint)id < (uint)_tokens.Length ? _tokens[id] ?? throw Unknown(id) : throw Unknown(id);
        skip = _isSpecial[id];
        if (skip) return null;
        if (_isAdded[id]) return token;
        ByteLevelAlphabet.AppendBytes(token, bytes);
        return null;
    }

    ArgumentOutOfRangeException Unknown(int id) => new(nameof(id), $"id {id} is not in the vocabulary (ids 0…{_tokens.Length - 1}, holes excluded).");

    public IIncrementalDecoder CreateIncrementalDecoder() => new ByteLevelIncrementalDecoder(this);

    public string IdToPiece(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] ?? throw Unknown(id) : throw Unknown(id);

    public int PieceToId(string piece) => _pieceToId.TryGetValue(piece, out int id) ? id : -1;

    /// <summary>A single-byte token of a byte ≥ 0x80: a character the vocabulary only has as raw bytes.</summary>
    public bool IsByteFallback(int id) =>
        (uint)id < (uint)_tokens.Length && !_isAdded[id] && _tokens[id] is { Length: 1 } t && ByteLevelAlphabet.CharToByte(t[0]) >= 0x80;
}
