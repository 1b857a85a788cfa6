using System.Collections.Concurrent;

namespace Tsumugi.Tokenization.ByteLevel;

public sealed class ByteLevelTrainerOptions
{
    /// <summary>Total vocabulary including the special tokens and the 256 byte tokens.</summary>
    public int VocabSize { get; init; } = 32000;

    /// <summary>A pair seen fewer times than this is never merged (HF's min_frequency).</summary>
    public int MinFrequency { get; init; }

    public ByteLevelFlavor Flavor { get; init; } = ByteLevelFlavor.Llama3;

    /// <summary>Special tokens, given ids 0, 1, … before the byte alphabet (HF's special_tokens).</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    public string? BosToken { get; init; }

    public string? EosToken { get; init; }

    public int Threads { get; init; } = -1;

    public Action<string>? Log { get; init; }
}

/// <summary>
/// Hugging Face's BpeTrainer as its byte-level tokenizers train: words are the pre-tokens of the text (as byte-level
/// strings) with their counts, the alphabet is the 256 byte characters in code-point order after the special tokens,
/// and the most frequent adjacent pair is merged until the vocabulary is full — ties going to the smallest
/// (left id, right id) pair, as trainer.rs orders its queue. <see cref="Extend"/> continues from an existing
/// tokenizer (the Swallow recipe): words start as the base tokenizer segments them, new ids follow every old one.
/// </summary>
public static class ByteLevelBpeTrainer
{
    public static ByteLevelBpeModel Train(IEnumerable<string> lines, ByteLevelTrainerOptions o)
    {
        var model = ByteLevelBpeModel.Create(o.Flavor, o.SpecialTokens);
        model.BosToken = o.BosToken;
        model.EosToken = o.EosToken;
        if (o.VocabSize < model.Vocab.Count)
            throw new ArgumentException($"vocab size {o.VocabSize} is below the {model.Vocab.Count} special and byte tokens it must hold.");
        var tokenizer = new ByteLevelBpeTokenizer(model, "trainer");
        var words = CountWords(tokenizer, lines, o.Threads);
        o.Log?.Invoke($"{words.Count:N0} distinct words");
        var (syms, counts) = Segment(tokenizer, words, o.Threads);
        RunMerges(model, syms, counts, o.MinFrequency, newTokens: int.MaxValue, stopAtVocab: o.VocabSize, firstNewId: model.IdCount);
        o.Log?.Invoke($"{model.Merges.Count:N0} merges, {model.Vocab.Count:N0} tokens");
        return model;
    }

    /// <summary>
    /// Adds up to <paramref name="add"/> tokens learned on <paramref name="lines"/> to <paramref name="baseModel"/>: every
    /// old id, merge and added token is kept; new merges rank after the old ones and new ids follow the highest old id
    /// (after Llama 3's specials at 128000+). Returns a new model; the base is not changed.
    /// </summary>
    public static ByteLevelBpeModel Extend(ByteLevelBpeModel baseModel, IEnumerable<string> lines, int add, int minFrequency = 2, int threads = -1, Action<string>? log = null)
    {
        if (add < 1) throw new ArgumentException($"the number of tokens to add must be at least 1 (got {add}).");
        var model = new ByteLevelBpeModel
        {
            Vocab = new Dictionary<string, int>(baseModel.Vocab, StringComparer.Ordinal),
            Merges = [.. baseModel.Merges],
            AddedTokens = [.. baseModel.AddedTokens],
            SplitPattern = baseModel.SplitPattern, AddPrefixSpace = baseModel.AddPrefixSpace, IgnoreMerges = baseModel.IgnoreMerges,
            Nfc = baseModel.Nfc, BosToken = baseModel.BosToken, EosToken = baseModel.EosToken,
        };
        var tokenizer = new ByteLevelBpeTokenizer(baseModel, "base tokenizer");
        var words = CountWords(tokenizer, lines, threads);
        var (syms, counts) = Segment(tokenizer, words, threads);
        int before = model.Vocab.Count;
        RunMerges(model, syms, counts, Math.Max(1, minFrequency), add, int.MaxValue, baseModel.IdCount);
        log?.Invoke($"{words.Count:N0} distinct words; {model.Vocab.Count - before:N0} tokens added");
        return model;
    }

    /// <summary>
    /// New id → the base tokenizer's ids for its bytes, for id-map.json (new embedding rows start as the mean of
    /// the old rows of the pieces they replace).
    /// </summary>
    public static SortedDictionary<int, int[]> IdMap(ByteLevelBpeModel baseModel, ByteLevelBpeModel extended)
    {
        var baseTok = new ByteLevelBpeTokenizer(baseModel, "base tokenizer");
        var map = new SortedDictionary<int, int[]>();
        foreach (var (token, id) in extended.Vocab)
        {
            if (baseModel.Vocab.ContainsKey(token)) continue;
            var bytes = new List<byte>();
            ByteLevelAlphabet.AppendBytes(token, bytes);
            map[id] = baseTok.MergeBytes([.. bytes]);
        }
        return map;
    }

    /// <summary>Pre-token → count over all lines, counted in parallel chunks.</summary>
    static Dictionary<string, long> CountWords(ByteLevelBpeTokenizer tokenizer, IEnumerable<string> lines, int threads)
    {
        var total = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.ForEach(lines.Chunk(2048), po, () => new Dictionary<string, long>(StringComparer.Ordinal), (chunk, _, local) =>
        {
            var pre = new List<string>();
            foreach (var line in chunk)
            {
                pre.Clear();
                tokenizer.CollectPreTokens(line, pre);
                foreach (var p in pre) local[p] = local.GetValueOrDefault(p) + 1;
            }
            return local;
        }, local => { foreach (var (w, c) in local) total.AddOrUpdate(w, c, (_, old) => old + c); });
        return new Dictionary<string, long>(total, StringComparer.Ordinal);
    }

    /// <summary>Each word as the tokenizer segments it (the bytes alone for a model without merges).</summary>
    static (int[][] Syms, long[] Counts) Segment(ByteLevelBpeTokenizer tokenizer, Dictionary<string, long> words, int threads)
    {
        // Ordinal order: the result does not depend on hash or thread order.
        var keys = words.Keys.Order(StringComparer.Ordinal).ToArray();
        var syms = new int[keys.Length][];
        Parallel.For(0, keys.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => syms[i] = tokenizer.MergeBytes(System.Text.Encoding.UTF8.GetBytes(keys[i])));
        return (syms, keys.Select(k => words[k]).ToArray());
    }

    static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    static void RunMerges(ByteLevelBpeModel model, int[][] words, long[] counts, int minFrequency, int newTokens, int stopAtVocab, int firstNewId)
    {
        var idToToken = new Dictionary<int, string>();
        foreach (var (t, id) in model.Vocab) idToToken[id] = t;
        var pairCount = new Dictionary<long, long>();
        var where = new Dictionary<long, HashSet<int>>();
        for (int w = 0; w < words.Length; w++) AddPairs(words[w], counts[w], w, pairCount, where);
        // Highest count first, then the smallest (left, right) id pair; stale counts are refreshed lazily as trainer.rs does.
        var queue = new PriorityQueue<long, (long NegCount, long Pair)>();
        foreach (var (p, c) in pairCount) if (c > 0) queue.Enqueue(p, (-c, p));
        int nextId = firstNewId, added = 0;
        while (model.Vocab.Count < stopAtVocab && added < newTokens && queue.TryDequeue(out long pair, out var pri))
        {
            long current = pairCount.GetValueOrDefault(pair);
            if (current != -pri.NegCount) { if (current > 0) queue.Enqueue(pair, (-current, pair)); continue; }
            if (current < 1 || current < minFrequency) break;
            int a = (int)(pair >> 32), b = (int)(uint)pair;
            string merged = idToToken[a] + idToToken[b];
            if (!model.Vocab.TryGetValue(merged, out int newId))
            {
                newId = nextId++;
                model.Vocab[merged] = newId;
                idToToken[newId] = merged;
                added++;
            }
            model.Merges.Add((idToToken[a], idToToken[b]));
            // Net count change per pair; only pairs that gained are queued again (one that lost is refreshed when popped).
            var delta = new Dictionary<long, long>();
            foreach (int w in where[pair].ToArray())
                words[w] = MergeWord(words[w], a, b, newId, counts[w], w, pairCount, where, delta);
            foreach (var (p, d) in delta)
                if (d > 0 && pairCount[p] is > 0 and var c) queue.Enqueue(p, (-c, p));
        }
    }

    static void AddPairs(int[] word, long count, int w, Dictionary<long, long> pairCount, Dictionary<long, HashSet<int>> where)
    {
        for (int i = 0; i + 1 < word.Length; i++)
        {
            long p = Key(word[i], word[i + 1]);
            pairCount[p] = pairCount.GetValueOrDefault(p) + count;
            if (!where.TryGetValue(p, out var set)) where[p] = set = [];
            set.Add(w);
        }
    }

    /// <summary>
    /// Merges (a, b) left to right, non-overlapping ("a a a" with (a, a) → "aa a"), and updates the pair counts
    /// around each occurrence only, as trainer.rs's Word::merge does; the word unchanged when it lacks the pair.
    /// </summary>
    static int[] MergeWord(int[] word, int a, int b, int merged, long count, int w,
        Dictionary<long, long> pairCount, Dictionary<long, HashSet<int>> where, Dictionary<long, long> delta)
    {
        int first = -1;
        for (int i = 0; i + 1 < word.Length; i++) if (word[i] == a && word[i + 1] == b) { first = i; break; }
        if (first < 0) return word;
        var result = new List<int>(word.Length);
        for (int i = 0; i < first; i++) result.Add(word[i]);
        for (int i = first; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i] == a && word[i + 1] == b)
            {
                if (result.Count > 0) { Bump(result[^1], a, -count); Bump(result[^1], merged, count); }
                Bump(a, b, -count);
                if (i + 2 < word.Length) { Bump(b, word[i + 2], -count); Bump(merged, word[i + 2], count); }
                result.Add(merged);
                i++;
            }
            else result.Add(word[i]);
        }
        return [.. result];

        void Bump(int l, int r, long c)
        {
            long p = Key(l, r);
            pairCount[p] = pairCount.GetValueOrDefault(p) + c;
            delta[p] = delta.GetValueOrDefault(p) + c;
            if (c > 0)
            {
                if (!where.TryGetValue(p, out var set)) where[p] = set = [];
                set.Add(w);
            }
        }
    }
}
