using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Training;

/// <summary>
/// SentencePiece-compatible BPE trainer (bpe_model_trainer.cc): characters of "▁"-prefixed words, repeatedly merge
/// the most frequent adjacent pair whose result is a valid piece (ties: shorter piece, then smaller string), score
/// = −(pieces emitted so far), then the alphabet with continuing ranks. Unlike spm's "top 5% active set" heuristic,
/// the best pair is taken exactly from a lazily-updated priority queue; only words containing the pair are rescanned.
/// </summary>
public static class BpeTrainer
{
    public static SpmModel Train(IEnumerable<string> sentences, TrainerOptions o)
    {
        o.ModelType = SpmModelType.Bpe;
        var corpus = TrainingCorpus.Build(sentences, o);
        int meta = ModelLayout.MetaCount(o);
        int target = o.VocabSize - meta - corpus.Alphabet.Count;
        if (target < 0)
            throw new ArgumentException($"vocab size {o.VocabSize} is smaller than the alphabet ({corpus.Alphabet.Count} characters) plus {meta} special/byte pieces; raise --vocab-size or lower --character-coverage.");
        var validator = new PieceValidator(o);
        var symbols = new List<int[]>();           // symbol id → code points
        var symbolIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int SymbolOf(int[] cps)
        {
            var key = TrainingCorpus.FromCodePoints(cps);
            if (!symbolIds.TryGetValue(key, out int id)) { id = symbols.Count; symbols.Add(cps); symbolIds[key] = id; }
            return id;
        }
        var words = corpus.Words.Select(w => w.Cps.Select(c => SymbolOf([c])).ToList()).ToList();
        var freqs = corpus.Words.Select(w => w.Freq).ToArray();
        var pairCount = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        var queue = new PriorityQueue<long, (long Freq, int Len, string Piece)>(Comparer<(long Freq, int Len, string Piece)>.Create((x, y) =>
        {
            int c = y.Freq.CompareTo(x.Freq);
            if (c != 0) return c;
            c = x.Len.CompareTo(y.Len);
            return c != 0 ? c : string.CompareOrdinal(x.Piece, y.Piece);
        }));
        var merged = new Dictionary<long, int[]?>();
        int[]? MergedOf(long key)
        {
            if (merged.TryGetValue(key, out var m)) return m;
            var cps = symbols[(int)(key >> 32)].Concat(symbols[(int)(key & 0xFFFFFFFF)]).ToArray();
            m = validator.IsValid(cps) ? cps : null;
            merged[key] = m;
            return m;
        }
        void AddPairs(int wi, int sign, HashSet<long> touched)
        {
            var w = words[wi];
            for (int i = 0; i + 1 < w.Count; i++)
            {
                long key = ((long)w[i] << 32) | (uint)w[i + 1];
                if (MergedOf(key) == null) continue;
                pairCount[key] = pairCount.GetValueOrDefault(key) + sign * freqs[wi];
                if (sign > 0) { if (!pairWords.TryGetValue(key, out var set)) pairWords[key] = set = []; set.Add(wi); }
                touched.Add(key);
            }
        }
        void Push(long key)
        {
            long f = pairCount.GetValueOrDefault(key);
            if (f > 0) { var m = merged[key]!; queue.Enqueue(key, (f, m.Length, TrainingCorpus.FromCodePoints(m))); }
        }
        var init = new HashSet<long>();
        for (int wi = 0; wi < words.Count; wi++) AddPairs(wi, +1, init);
        foreach (var k in init) Push(k);

        var pieces = new List<(string Piece, float Score)>();
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        while (pieces.Count < target && queue.TryDequeue(out long best, out var pri))
        {
            if (pairCount.GetValueOrDefault(best) != pri.Freq) continue; // stale entry
            int a = (int)(best >> 32), b = (int)(best & 0xFFFFFFFF);
            int c = SymbolOf(merged[best]!);
            if (emitted.Add(pri.Piece)) pieces.Add((pri.Piece, -pieces.Count));
            var touched = new HashSet<long>();
            foreach (int wi in pairWords[best].ToArray())
            {
                AddPairs(wi, -1, touched);
                var w = words[wi];
                for (int i = 0; i + 1 < w.Count; i++)
                    if (w[i] == a && w[i + 1] == b) { w[i] = c; w.RemoveAt(i + 1); }
                AddPairs(wi, +1, touched);
            }
            pairWords.Remove(best);
            foreach (var k in touched) Push(k);
            if (pieces.Count % 1000 == 0) o.Log?.Invoke($"{pieces.Count:N0} / {target:N0} merges");
        }
        foreach (var (cp, _) in corpus.Alphabet)
        {
            var s = char.ConvertFromUtf32(cp);
            if (emitted.Add(s)) pieces.Add((s, -pieces.Count));
        }
        return ModelLayout.Build(o, pieces);
    }
}
