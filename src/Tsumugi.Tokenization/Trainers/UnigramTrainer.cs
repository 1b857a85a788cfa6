using System.Runtime.CompilerServices;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// SentencePiece's Unigram trainer (unigram_model_trainer.cc): frequent substrings as seeds (score = freq × length),
/// EM with the digamma (Bayesian) M-step, and loss-based pruning by shrinking_factor until 1.1 × vocab_size remain,
/// then the alphabet plus the best pieces up to vocab_size. Seeds come from a suffix array over the distinct words
/// (<see cref="SeedSubstrings"/>), weighted by word frequency. Every EM and pruning round runs over the distinct words
/// (each counted once with its frequency) through one code-point trie of the seed pieces (<see cref="Lattice"/>).
/// </summary>
public static partial class UnigramTrainer
{
    /// <summary>A piece: its score (log probability) and its key in the lattice's trie, which holds its characters.</summary>
    internal readonly record struct Piece(float Score, int Key);

    public static SpmModel Train(IEnumerable<string> sentences, TrainerOptions o)
    {
        o.ModelType = SpmModelType.Unigram;
        return TrainerLog.Run(o, () => TrainLogged(sentences, o));
    }

    // Peak memory is set by whichever phase holds the most at once, so each phase is its own method whose large objects
    // die with its frame, and a collection between phases returns them before the next phase allocates. (An
    // unoptimized frame reports every temporary as live to its end, so these methods are optimized from the start.)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static SpmModel TrainLogged(IEnumerable<string> sentences, TrainerOptions o)
    {
        var corpus = TrainingCorpus.Build(sentences, o);
        TrainerLog.CollectPhaseGarbage(); // the raw word tables
        int target = o.VocabSize - ModelLayout.MetaCount(o);
        if (target < corpus.Alphabet.Count)
            throw new ArgumentException($"vocab size {o.VocabSize} is smaller than the alphabet ({corpus.Alphabet.Count} characters) plus {ModelLayout.MetaCount(o)} special/byte pieces; raise --vocab-size or lower --character-coverage.");
        o.Log?.Invoke($"{corpus.SentenceCount:N0} sentences, {corpus.Words.Count:N0} distinct words, alphabet {corpus.Alphabet.Count}");
        var learned = Learn(corpus, o);
        TrainerLog.CollectPhaseGarbage(); // the lattice: what follows reuses its memory
        var model = ModelLayout.Build(o, Finalize(corpus, learned, target));
        ModelLayout.CheckVocabSize(model, o);
        o.Log?.Invoke($"model: {model.Pieces.Count:N0} pieces (GC pauses so far {GC.GetTotalPauseDuration().TotalSeconds:F2} s, {GC.CollectionCount(2)} full collections)");
        return model;
    }

    /// <summary>Seeds, then EM and pruning rounds down to about 1.1 × the vocabulary: the surviving pieces and scores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static List<(string Piece, float Score)> Learn(TrainingCorpus corpus, TrainerOptions o)
    {
        var lattice = SeedLattice(corpus, o, out var pieces);
        TrainerLog.CollectPhaseGarbage(); // the corpus words
        o.Log?.Invoke($"lattice: trie of {lattice.Trie.Size:N0} cells, {lattice.Codes.Length:N0} word characters");
        int desired = (int)(o.VocabSize * 1.1);
        for (int round = 0; ; round++)
        {
            for (int sub = 0; sub < o.NumSubIterations; sub++)
            {
                var (expected, objective) = EStep(lattice, pieces, o.Threads);
                MStep(pieces, expected);
                o.Log?.Invoke($"EM round {round}.{sub}: {pieces.Count:N0} pieces, objective {objective:F4}");
            }
            if (pieces.Count <= desired) break;
            Prune(lattice, pieces, desired, o);
        }
        return pieces.Select(p => (lattice.Trie.KeyString(p.Key), p.Score)).ToList();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static Lattice SeedLattice(TrainingCorpus corpus, TrainerOptions o, out List<Piece> pieces)
    {
        (pieces, var chars, var start) = Seeds(corpus, o);
        TrainerLog.SweepGarbage(); // the suffix array and the candidates
        o.Log?.Invoke($"{pieces.Count:N0} seed pieces");
        var trie = new CpTrie(chars, start);
        TrainerLog.SweepGarbage(); // the trie builder's arrays, before the lattice's are placed
        var lattice = new Lattice(corpus, trie);
        corpus.Words.Clear(); // the lattice holds the words as trie codes from here on
        corpus.Words.TrimExcess();
        return lattice;
    }

    /// <summary>
    /// Re-estimates scores of a fixed piece list by EM on <paramref name="sentences"/> (llm-jp's merge step). Pieces
    /// whose expected count falls under 0.5 get the lowest score instead of being dropped, so nothing is lost.
    /// </summary>
    public static List<(string Piece, float Score)> Reestimate(IReadOnlyList<string> pieceList, IEnumerable<string> sentences, TrainerOptions o)
    {
        var corpus = TrainingCorpus.Build(sentences, new TrainerOptions
        {
            CharacterCoverage = 1.0, AddDummyPrefix = o.AddDummyPrefix, RemoveExtraWhitespaces = o.RemoveExtraWhitespaces,
            Normalization = o.Normalization, PrecompiledCharsmap = o.PrecompiledCharsmap,
            SplitByWhitespace = o.SplitByWhitespace, UserDefinedSymbols = o.UserDefinedSymbols, ControlSymbols = o.ControlSymbols,
        });
        var lattice = new Lattice(corpus, new CpTrie(pieceList.Select(TrainingCorpus.ToCodePoints).ToList()));
        var pieces = pieceList.Select((_, i) => new Piece(-10f, i)).ToList();
        for (int iter = 0; iter < Math.Max(1, o.NumSubIterations); iter++)
        {
            var (expected, objective) = EStep(lattice, pieces, o.Threads);
            double sum = expected.Where(e => e >= 0.5).Sum();
            double logSum = Digamma(Math.Max(sum, 1));
            float floor = (float)(Digamma(0.5) - logSum) - 1;
            pieces = pieces.Select((p, i) => p with { Score = expected[i] >= 0.5 ? (float)(Digamma(expected[i]) - logSum) : floor }).ToList();
            o.Log?.Invoke($"re-estimation EM {iter}: objective {objective:F4}");
        }
        return pieces.Select(p => (lattice.Trie.KeyString(p.Key), p.Score)).ToList();
    }

    /// <summary>The seed pieces, with their characters as flat keys (piece i is chars[start[i] .. start[i + 1])) for the trie.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (List<Piece> Pieces, int[] Chars, int[] Start) Seeds(TrainingCorpus corpus, TrainerOptions o)
    {
        var validator = new PieceValidator(o);
        var cands = SeedSubstrings.Find(corpus, o.MaxPieceLength, validator.IsValid, o.Threads);
        TrainerLog.SweepGarbage(); // the text and suffix array: the sort and the seed arrays below reuse their space
        // By score (count × length) descending, then by the piece's UTF-16 ordinal order (spm's sort): compared on
        // code points directly, no strings.
        var score = new double[cands.Count];
        for (int i = 0; i < cands.Count; i++) score[i] = (double)cands[i].Count * cands[i].Length;
        var order = new int[cands.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var words = corpus.Words;
        order = ParallelSort.Sort(order, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int a, int b) =>
        {
            int r = score[b].CompareTo(score[a]);
            if (r != 0) return r;
            var ca = cands[a]; var cb = cands[b];
            return CompareUtf16(words[ca.Word].Cps.AsSpan(ca.Offset, ca.Length), words[cb.Word].Cps.AsSpan(cb.Offset, cb.Length));
        }, o.Threads);
        int take = Math.Min(order.Length, o.SeedPieceCount);
        var start = new int[take + corpus.Alphabet.Count + 1];
        for (int i = 0; i < take; i++) start[i + 1] = start[i] + cands[order[i]].Length;
        for (int i = take; i < start.Length - 1; i++) start[i + 1] = start[i] + 1;
        var chars = new int[start[^1]];
        for (int i = 0; i < take; i++)
        {
            var c = cands[order[i]];
            words[c.Word].Cps.AsSpan(c.Offset, c.Length).CopyTo(chars.AsSpan(start[i]));
        }
        for (int a = 0; a < corpus.Alphabet.Count; a++) chars[start[take + a]] = corpus.Alphabet[a].Cp;
        double sum = 0; // in list order, seeds then characters: another order changes the last bits of every score
        for (int i = 0; i < take; i++) sum += score[order[i]];
        foreach (var (_, count) in corpus.Alphabet) sum += count;
        double logSum = Math.Log(sum);
        var pieces = new List<Piece>(take + corpus.Alphabet.Count);
        for (int i = 0; i < take; i++) pieces.Add(new Piece((float)(Math.Log(score[order[i]]) - logSum), i));
        foreach (var (_, count) in corpus.Alphabet) pieces.Add(new Piece((float)(Math.Log(count) - logSum), pieces.Count));
        return (pieces, chars, start);
    }

    /// <summary>Ordinal comparison of two code-point strings as their UTF-16 forms compare (string.CompareOrdinal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int CompareUtf16(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
            if (a[i] != b[i]) return Utf16Key(a[i]).CompareTo(Utf16Key(b[i]));
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>
    /// A code point's rank in UTF-16 code-unit order: BMP characters below the surrogates, then supplementary
    /// characters (their high surrogates D800–DBFF), then U+E000–U+FFFF.
    /// </summary>
    internal static int Utf16Key(int cp) => cp < 0xD800 ? cp : cp >= 0x10000 ? 0xD800 + (cp - 0x10000) : cp + 0x100000;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (double[] Expected, double Objective) EStep(Lattice lat, List<Piece> pieces, int threads, bool logSpace = false)
    {
        lat.SetPieces(pieces);
        int n = pieces.Count;
        var scores = lat.Scores; var probs = lat.Probs;
        float min = float.PositiveInfinity;
        for (int i = 0; i < n; i++) { scores[i] = pieces[i].Score; probs[i] = Math.Exp(scores[i]); min = Math.Min(min, scores[i]); }
        float unk = min - 10f;
        var workers = lat.Workers(threads);
        foreach (var wk in workers) { Array.Clear(wk.Acc, 0, n); wk.Obj = wk.F = 0; }
        lat.ForChunks(lat.WordCount, 2048, threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (Worker wk, int lo, int hi) =>
        {
            for (int wi = lo; wi < hi; wi++)
            {
                if (!logSpace) EStepWord(lat, wi, scores, probs, unk, wk);
                else { lat.Edges(lat.Word(wi), wk.Edges); EStepWordLog(lat.Word(wi), lat.Freq[wi], wk.Edges, scores, unk, wk); }
            }
        });
        var total = lat.Total;
        Array.Clear(total, 0, n);
        double objective = 0, freqSum = 0;
        foreach (var wk in workers)
        {
            for (int i = 0; i < n; i++) total[i] += wk.Acc[i];
            objective += wk.Obj; freqSum += wk.F;
        }
        return (total, objective / freqSum);
    }

    /// <summary>
    /// Forward-backward over one word's lattice in probability space, scaled by the Viterbi score so nothing under-
    /// or overflows: with V[t] the best log probability of a path to position t, α̂[t] = α[t]·e^−V[t] ∈ [1, paths]
    /// and β̂[t] = β[t]·e^(V[t]−V[n]), and both recurrences use the same edge weight w = e^(score + V[s] − V[e]) ≤ 1.
    /// w is the piece's probability (one exp per piece per round) times a product of per-position factors
    /// e^(V[u−1]−V[u]) (one exp per character), so an edge costs multiplications only, where the log-space form
    /// costs two log-adds (exp + log each) and an exp. A word whose scaled sums still leave the double range (a
    /// very long word with astronomically many paths) is done in log space (<see cref="EStepWordLog"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void EStepWord(Lattice lat, int wi, float[] scores, double[] probs, float unk, Worker local)
    {
        var w = lat.Word(wi);
        long freq = lat.Freq[wi];
        var edges = local.Edges;
        var best = local.Best;
        lat.EdgesAndBest(w, edges, scores, unk, best);
        int n = w.Length, m = edges.Count;
        var starts = edges.S; var ends = edges.E; var ids = edges.Id;
        var step = local.Step; // step[u] = e^(V[u-1] - V[u])
        for (int u = 1; u <= n; u++) step[u] = Math.Exp(best[u - 1] - best[u]);
        if (local.Weight.Length < m) local.Weight = new double[Math.Max(m, local.Weight.Length * 2)];
        var weight = local.Weight;
        double unkProb = Math.Exp(unk);
        var alpha = local.Alpha; var beta = local.Beta;
        alpha.AsSpan(0, n + 1).Clear(); beta.AsSpan(0, n + 1).Clear();
        alpha[0] = 1; beta[n] = 1;
        // Edges come grouped by start, ends ascending (the unknown-character edge, if any, last): the product of step
        // factors from s to e grows along the group. α[s] is complete when its group starts (every edge into s
        // starts before s), so the forward sum runs in the same pass.
        for (int k = 0; k < m;)
        {
            int s = starts[k], u = s;
            double r = 1, a = alpha[s];
            for (; k < m && starts[k] == s; k++)
            {
                int e = ends[k], id = ids[k];
                double ratio;
                if (e >= u) { while (u < e) r *= step[++u]; ratio = r; }
                else { ratio = 1; for (int v = s + 1; v <= e; v++) ratio *= step[v]; }
                double wk = (id < 0 ? unkProb : probs[id]) * ratio;
                weight[k] = wk;
                alpha[e] += a * wk;
            }
        }
        for (int k = m - 1; k >= 0; k--) beta[starts[k]] += weight[k] * beta[ends[k]];
        double zScaled = alpha[n];
        if (!(zScaled > 0 && zScaled < double.MaxValue && beta[0] > 0 && beta[0] < double.MaxValue))
        {
            EStepWordLog(w, freq, edges, scores, unk, local);
            return;
        }
        double coef = freq / zScaled;
        var exp = local.Acc;
        for (int k = 0; k < m; k++)
        {
            int id = ids[k];
            if (id >= 0) exp[id] += coef * alpha[starts[k]] * weight[k] * beta[ends[k]];
        }
        local.Obj -= freq * (Math.Log(zScaled) + best[n]); local.F += freq;
    }

    /// <summary>Forward-backward in log space (the reference form; the fallback for words the scaled form cannot hold).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void EStepWordLog(ReadOnlySpan<int> w, long freq, EdgeBuffer edges, float[] scores, float unk, Worker local)
    {
        int n = w.Length, m = edges.Count;
        var alpha = local.Alpha; var beta = local.Beta;
        alpha.AsSpan(0, n + 1).Fill(double.NegativeInfinity); beta.AsSpan(0, n + 1).Fill(double.NegativeInfinity);
        alpha[0] = 0; beta[n] = 0;
        var starts = edges.S; var ends = edges.E; var ids = edges.Id;
        for (int k = 0; k < m; k++) { int id = ids[k]; alpha[ends[k]] = LogAdd(alpha[ends[k]], alpha[starts[k]] + (id < 0 ? unk : scores[id])); }
        for (int k = m - 1; k >= 0; k--) { int id = ids[k]; beta[starts[k]] = LogAdd(beta[starts[k]], beta[ends[k]] + (id < 0 ? unk : scores[id])); }
        double z = alpha[n];
        var exp = local.Acc;
        for (int k = 0; k < m; k++)
        {
            int id = ids[k];
            if (id >= 0) exp[id] += freq * Math.Exp(alpha[starts[k]] + scores[id] + beta[ends[k]] - z);
        }
        local.Obj -= freq * z; local.F += freq;
    }

    static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MStep(List<Piece> pieces, double[] expected)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pieces);
        double sum = 0;
        for (int i = 0; i < span.Length; i++) if (expected[i] >= 0.5) sum += expected[i]; // kExpectedFrequencyThreshold
        double logSum = Digamma(sum);
        int k = 0;
        for (int i = 0; i < span.Length; i++)
            if (expected[i] >= 0.5) span[k++] = span[i] with { Score = (float)(Digamma(expected[i]) - logSum) };
        pieces.RemoveRange(k, span.Length - k);
    }

    /// <summary>spm's digamma: recurrence up to x ≥ 7, then the asymptotic series.</summary>
    public static double Digamma(double x)
    {
        double result = 0;
        for (; x < 7; ++x) result -= 1 / x;
        x -= 0.5;
        double xx = 1 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
        return result + Math.Log(x) + (1.0 / 24) * xx2 - (7.0 / 960) * xx4 + (31.0 / 8064) * xx4 * xx2 - (127.0 / 30720) * xx4 * xx4;
    }

    /// <summary>
    /// Viterbi path (piece ids, -1 = unknown character) of one code string into <c>v.Path</c>; returns its length
    /// (0 when no path). The whole-string edge of <paramref name="skipWholeId"/> is left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int Viterbi(Lattice lat, ReadOnlySpan<int> w, float[] scores, float unk, Worker v, int skipWholeId = -2)
    {
        var edges = v.Edges;
        lat.Edges(w, edges);
        int n = w.Length, m = edges.Count;
        var best = v.Best; var backS = v.BackS; var backId = v.BackId;
        best.AsSpan(0, n + 1).Fill(double.NegativeInfinity);
        best[0] = 0;
        var starts = edges.S; var ends = edges.E; var ids = edges.Id;
        for (int k = 0; k < m; k++)
        {
            int s = starts[k], e = ends[k], id = ids[k];
            if (id == skipWholeId && s == 0 && e == n) continue;
            double cand = best[s] + (id < 0 ? unk : scores[id]);
            if (cand > best[e]) { best[e] = cand; backS[e] = s; backId[e] = id; }
        }
        if (double.IsNegativeInfinity(best[n])) return 0;
        int count = 0;
        for (int e = n; e > 0; e = backS[e]) count++;
        int k2 = count;
        for (int e = n; e > 0; e = backS[e]) v.Path[--k2] = backId[e];
        return count;
    }

    /// <summary>
    /// spm's loss-based pruning: pieces whose own best segmentation avoids them go; of the rest, those without an
    /// alternative segmentation stay, and the others stay in order of the likelihood lost without them until
    /// shrinking_factor × n (at least <paramref name="desired"/>) remain. The corpus pass runs first, so each piece's
    /// loss is computed where its alternative is found, with nothing stored per piece.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Prune(Lattice lat, List<Piece> pieces, int desired, TrainerOptions o)
    {
        lat.SetPieces(pieces);
        int n = pieces.Count;
        var scores = lat.Scores;
        float min = float.PositiveInfinity;
        for (int i = 0; i < n; i++) { scores[i] = pieces[i].Score; min = Math.Min(min, scores[i]); }
        float unk = min - 10f;

        var workers = lat.Workers(o.Threads);
        foreach (var wk in workers) { Array.Clear(wk.Acc, 0, n); wk.F = 0; }
        lat.ForChunks(lat.WordCount, 2048, o.Threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (Worker v, int lo, int hi) =>
        {
            var acc = v.Acc;
            for (int wi = lo; wi < hi; wi++)
            {
                long f = lat.Freq[wi];
                v.F += f;
                int len = Viterbi(lat, lat.Word(wi), scores, unk, v);
                var path = v.Path;
                for (int k = 0; k < len; k++)
                    if (path[k] >= 0) acc[path[k]] += f;
            }
        });
        var freq = lat.Total;
        Array.Clear(freq, 0, n);
        double vsum = 0;
        foreach (var wk in workers) { for (int i = 0; i < n; i++) freq[i] += wk.Acc[i]; vsum += wk.F; }
        double sum = 0;
        for (int i = 0; i < n; i++) sum += freq[i];
        double logSum = Math.Log(sum);

        var b = lat.PruneBuffers(n);
        var loss = b.Loss; // NaN: drop; +∞: keep (no alternative segmentation); else the loss
        lat.ForChunks(n, 1024, o.Threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (Worker v, int lo, int hi) =>
        {
            for (int i = lo; i < hi; i++)
            {
                loss[i] = double.NaN;
                if (freq[i] == 0) continue;
                var w = lat.Trie.KeyCodes(pieces[i].Key, ref v.Codes);
                if (Viterbi(lat, w, scores, unk, v) >= 2) continue; // its own best split avoids it: removable
                int second = w.Length == 1 ? 0 : Viterbi(lat, w, scores, unk, v, skipWholeId: i);
                if (second == 0) { loss[i] = double.PositiveInfinity; continue; }
                double f = freq[i] / vsum; // spm's inverted index lists a sentence once per occurrence, so f = freq / vsum
                double logProbSp = Math.Log(freq[i]) - logSum;
                double logSumAlt = Math.Log(sum + freq[i] * (second - 1));
                double logProbAlt = 0;
                for (int k = 0; k < second; k++)
                {
                    int a = v.Path[k];
                    logProbAlt += a < 0 ? Math.Log(freq[i]) - logSumAlt : Math.Log(freq[a] + freq[i]) - logSumAlt;
                }
                loss[i] = f * (logProbSp - logProbAlt);
            }
        });
        var keep = b.Kept;
        var candidates = b.Candidates;
        int kept = 0, count = 0;
        for (int i = 0; i < n; i++)
        {
            if (double.IsPositiveInfinity(loss[i])) keep[kept++] = pieces[i];
            else if (!double.IsNaN(loss[i])) candidates[count++] = (i, loss[i]);
        }
        Array.Sort(candidates, 0, count, LossOrder.Instance);
        int prunedSize = Math.Max(desired, (int)(o.ShrinkingFactor * n));
        for (int c = 0; c < count && kept < prunedSize; c++) keep[kept++] = pieces[candidates[c].Id];
        pieces.Clear();
        pieces.AddRange(new ArraySegment<Piece>(keep, 0, kept));
        o.Log?.Invoke($"pruned {n:N0} → {kept:N0} pieces");
    }

    /// <summary>Loss descending, then piece index ascending.</summary>
    sealed class LossOrder : IComparer<(int Id, double Loss)>
    {
        public static readonly LossOrder Instance = new();
        public int Compare((int Id, double Loss) x, (int Id, double Loss) y)
        {
            int r = y.Loss.CompareTo(x.Loss);
            return r != 0 ? r : x.Id.CompareTo(y.Id);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static List<(string Piece, float Score)> Finalize(TrainingCorpus corpus, List<(string Piece, float Score)> pieces, int target)
    {
        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (piece, score) in pieces) scores[piece] = score;
        float min = pieces.Min(p => p.Score);
        float penalty = 0;
        var final = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (cp, _) in corpus.Alphabet)
        {
            var s = char.ConvertFromUtf32(cp);
            if (scores.TryGetValue(s, out float sc)) final[s] = sc;
            else { final[s] = min + penalty; penalty -= 0.0001f; }
        }
        foreach (var (piece, score) in scores.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)))
        {
            if (final.Count >= target) break;
            final.TryAdd(piece, score);
        }
        return final.Select(kv => (kv.Key, kv.Value)).ToList();
    }
}
