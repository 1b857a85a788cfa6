using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Training;

/// <summary>
/// SentencePiece's Unigram trainer (unigram_model_trainer.cc): frequent substrings as seeds (score = freq × length),
/// EM with the digamma (Bayesian) M-step, and loss-based pruning by shrinking_factor until 1.1 × vocab_size remain,
/// then the alphabet plus the best pieces up to vocab_size. Seeds come from a suffix array over the distinct words
/// (<see cref="SeedSubstrings"/>), weighted by word frequency.
/// </summary>
public static class UnigramTrainer
{
    public static SpmModel Train(IReadOnlyList<string> sentences, TrainerOptions o)
    {
        o.ModelType = SpmModelType.Unigram;
        // Every log line carries elapsed time and working set: where training spends time and memory, per phase.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var userLog = o.Log;
        if (userLog != null) o.Log = msg => userLog($"[{clock.Elapsed.TotalSeconds,6:F2} s, cpu {System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,6:F2} s, {Environment.WorkingSet / (1 << 20),5} MB] {msg}");
        try { return TrainLogged(sentences, o); }
        finally { o.Log = userLog; }
    }

    static SpmModel TrainLogged(IReadOnlyList<string> sentences, TrainerOptions o)
    {
        var corpus = TrainingCorpus.Build(sentences, o);
        int target = o.VocabSize - ModelLayout.MetaCount(o);
        if (target < corpus.Alphabet.Count)
            throw new ArgumentException($"vocab size {o.VocabSize} is smaller than the alphabet ({corpus.Alphabet.Count} characters) plus {ModelLayout.MetaCount(o)} special/byte pieces; raise --vocab-size or lower --character-coverage.");
        o.Log?.Invoke($"{corpus.SentenceCount:N0} sentences, {corpus.Words.Count:N0} distinct words, alphabet {corpus.Alphabet.Count}");

        var pieces = Seeds(corpus, o);
        o.Log?.Invoke($"{pieces.Count:N0} seed pieces");
        int desired = (int)(o.VocabSize * 1.1);
        for (int round = 0; ; round++)
        {
            for (int sub = 0; sub < o.NumSubIterations; sub++)
            {
                var (expected, objective) = EStep(corpus, pieces, o.Threads);
                pieces = MStep(pieces, expected);
                o.Log?.Invoke($"EM round {round}.{sub}: {pieces.Count:N0} pieces, objective {objective:F4}");
            }
            if (pieces.Count <= desired) break;
            pieces = Prune(corpus, pieces, desired, o);
        }
        return ModelLayout.Build(o, Finalize(corpus, pieces, target));
    }

    /// <summary>
    /// Re-estimates scores of a fixed piece list by EM on <paramref name="sentences"/> (llm-jp's merge step). Pieces
    /// whose expected count falls under 0.5 get the lowest score instead of being dropped, so nothing is lost.
    /// </summary>
    public static List<(string Piece, float Score)> Reestimate(IReadOnlyList<string> pieceList, IReadOnlyList<string> sentences, TrainerOptions o)
    {
        var corpus = TrainingCorpus.Build(sentences, new TrainerOptions
        {
            CharacterCoverage = 1.0, AddDummyPrefix = o.AddDummyPrefix, RemoveExtraWhitespaces = o.RemoveExtraWhitespaces,
            SplitByWhitespace = o.SplitByWhitespace, UserDefinedSymbols = o.UserDefinedSymbols, ControlSymbols = o.ControlSymbols,
        });
        var pieces = pieceList.Select(p => (TrainingCorpus.ToCodePoints(p), -10f)).ToList();
        for (int iter = 0; iter < Math.Max(1, o.NumSubIterations); iter++)
        {
            var (expected, objective) = EStep(corpus, pieces, o.Threads);
            double sum = expected.Where(e => e >= 0.5).Sum();
            double logSum = Digamma(Math.Max(sum, 1));
            float floor = (float)(Digamma(0.5) - logSum) - 1;
            pieces = pieces.Select((p, i) => (p.Item1, expected[i] >= 0.5 ? (float)(Digamma(expected[i]) - logSum) : floor)).ToList();
            o.Log?.Invoke($"re-estimation EM {iter}: objective {objective:F4}");
        }
        return pieces.Select(p => (TrainingCorpus.FromCodePoints(p.Item1), p.Item2)).ToList();
    }

    static List<(int[] Cps, float Score)> Seeds(TrainingCorpus corpus, TrainerOptions o)
    {
        var validator = new PieceValidator(o);
        var seeds = SeedSubstrings.Find(corpus, o.MaxPieceLength, validator.IsValid)
            .Select(c => (Piece: TrainingCorpus.FromCodePoints(corpus.Words[c.Word].Cps.AsSpan(c.Offset, c.Length)), Score: (double)c.Count * c.Length))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Piece, StringComparer.Ordinal)
            .Take(o.SeedPieceCount).ToList();
        seeds.AddRange(corpus.Alphabet.Select(a => (char.ConvertFromUtf32(a.Cp), (double)a.Count)));
        double logSum = Math.Log(seeds.Sum(s => s.Score));
        return seeds.Select(s => (TrainingCorpus.ToCodePoints(s.Piece), (float)(Math.Log(s.Score) - logSum))).ToList();
    }

    /// <summary>Lattice edges of one word: (start, end, piece id or -1 for an unknown character).</summary>
    static void Edges(int[] w, CpTrie trie, List<(int S, int E, int Id)> edges)
    {
        edges.Clear();
        for (int s = 0; s < w.Length; s++)
        {
            bool single = false;
            int node = 0;
            for (int e = s; e < w.Length; e++)
            {
                node = trie.Next(node, w[e]);
                if (node < 0) break;
                int id = trie.Value(node);
                if (id >= 0) { edges.Add((s, e + 1, id)); if (e == s) single = true; }
            }
            if (!single) edges.Add((s, s + 1, -1));
        }
    }

    static (double[] Expected, double Objective) EStep(TrainingCorpus corpus, List<(int[] Cps, float Score)> pieces, int threads)
    {
        var trie = new CpTrie(pieces.Select(p => p.Cps).ToList());
        float unk = pieces.Min(p => p.Score) - 10f;
        var scores = pieces.Select(p => p.Score).ToArray();
        var total = new double[pieces.Count];
        double objective = 0, freqSum = 0;
        var gate = new object();
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, corpus.Words.Count, 2048),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => (Exp: new double[pieces.Count], Obj: 0.0, F: 0.0, Edges: new List<(int, int, int)>(), Alpha: new double[256], Beta: new double[256]),
            (range, _, local) =>
            {
                for (int wi = range.Item1; wi < range.Item2; wi++)
                {
                    var (w, freq) = corpus.Words[wi];
                    Edges(w, trie, local.Edges);
                    if (local.Alpha.Length < w.Length + 1) { local.Alpha = new double[w.Length * 2 + 1]; local.Beta = new double[w.Length * 2 + 1]; }
                    var alpha = local.Alpha; var beta = local.Beta; // reused per thread: words are many and short
                    alpha.AsSpan(0, w.Length + 1).Fill(double.NegativeInfinity); beta.AsSpan(0, w.Length + 1).Fill(double.NegativeInfinity);
                    alpha[0] = 0; beta[w.Length] = 0;
                    var edges = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(local.Edges);
                    foreach (var (s, e, id) in edges) alpha[e] = LogAdd(alpha[e], alpha[s] + (id < 0 ? unk : scores[id]));
                    for (int k = edges.Length - 1; k >= 0; k--)
                    {
                        var (s, e, id) = edges[k];
                        beta[s] = LogAdd(beta[s], beta[e] + (id < 0 ? unk : scores[id]));
                    }
                    double z = alpha[w.Length];
                    foreach (var (s, e, id) in edges)
                        if (id >= 0) local.Exp[id] += freq * Math.Exp(alpha[s] + scores[id] + beta[e] - z);
                    local.Obj -= freq * z; local.F += freq;
                }
                return local;
            },
            local => { lock (gate) { for (int i = 0; i < total.Length; i++) total[i] += local.Exp[i]; objective += local.Obj; freqSum += local.F; } });
        return (total, objective / freqSum);
    }

    static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }

    static List<(int[] Cps, float Score)> MStep(List<(int[] Cps, float Score)> pieces, double[] expected)
    {
        var kept = new List<(int[] Cps, double Freq)>();
        double sum = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            if (expected[i] < 0.5) continue; // kExpectedFrequencyThreshold
            kept.Add((pieces[i].Cps, expected[i])); sum += expected[i];
        }
        double logSum = Digamma(sum);
        return kept.Select(k => (k.Cps, (float)(Digamma(k.Freq) - logSum))).ToList();
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

    /// <summary>Viterbi path (piece ids, -1 = unknown character) of one code-point string.</summary>
    static List<int> Viterbi(int[] w, CpTrie trie, List<(int[] Cps, float Score)> pieces, float unk, List<(int S, int E, int Id)> edges, int skipWholeId = -2)
    {
        Edges(w, trie, edges);
        var best = new double[w.Length + 1];
        var back = new (int S, int Id)[w.Length + 1];
        Array.Fill(best, double.NegativeInfinity);
        best[0] = 0;
        foreach (var (s, e, id) in edges)
        {
            if (id == skipWholeId && s == 0 && e == w.Length) continue;
            double cand = best[s] + (id < 0 ? unk : pieces[id].Score);
            if (cand > best[e]) { best[e] = cand; back[e] = (s, id); }
        }
        var path = new List<int>();
        if (double.IsNegativeInfinity(best[w.Length])) return path;
        for (int e = w.Length; e > 0; e = back[e].S) path.Add(back[e].Id);
        path.Reverse();
        return path;
    }

    static List<(int[] Cps, float Score)> Prune(TrainingCorpus corpus, List<(int[] Cps, float Score)> pieces, int desired, TrainerOptions o)
    {
        var trie = new CpTrie(pieces.Select(p => p.Cps).ToList());
        float unk = pieces.Min(p => p.Score) - 10f;
        int n = pieces.Count;
        var alwaysKeep = new bool[n];
        var alternatives = new int[n][];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Threads) }, () => new List<(int, int, int)>(), (i, _, edges) =>
        {
            var w = pieces[i].Cps;
            var bestPath = Viterbi(w, trie, pieces, unk, edges);
            alternatives[i] = [];
            if (bestPath.Count >= 2) { alwaysKeep[i] = false; return edges; } // its own best split avoids it: removable
            var second = w.Length == 1 ? [] : Viterbi(w, trie, pieces, unk, edges, skipWholeId: i);
            if (second.Count == 0) { alwaysKeep[i] = true; return edges; } // no alternative segmentation: keep
            alwaysKeep[i] = true;
            alternatives[i] = second.ToArray();
            return edges;
        }, _ => { });

        var freq = new double[n];
        double vsum = 0;
        var gate = new object();
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, corpus.Words.Count, 2048),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Threads) },
            () => (F: new double[n], V: 0.0, Edges: new List<(int, int, int)>()),
            (range, _, local) =>
            {
                for (int wi = range.Item1; wi < range.Item2; wi++)
                {
                    var (w, f) = corpus.Words[wi];
                    local.V += f;
                    foreach (int id in Viterbi(w, trie, pieces, unk, local.Edges))
                    {
                        if (id >= 0) local.F[id] += f;
                    }
                }
                return local;
            },
            local => { lock (gate) { for (int i = 0; i < n; i++) freq[i] += local.F[i]; vsum += local.V; } });

        double sum = freq.Sum(), logSum = Math.Log(sum);
        var keep = new List<(int[] Cps, float Score)>();
        var candidates = new List<(int Id, double Loss)>();
        for (int i = 0; i < n; i++)
        {
            if (freq[i] == 0 || !alwaysKeep[i]) continue;
            if (alternatives[i].Length == 0) { keep.Add(pieces[i]); continue; }
            double F = freq[i] / vsum; // spm's inverted index lists a sentence once per occurrence, so F = freq / vsum
            double logProbSp = Math.Log(freq[i]) - logSum;
            double logSumAlt = Math.Log(sum + freq[i] * (alternatives[i].Length - 1));
            double logProbAlt = 0;
            foreach (int a in alternatives[i]) logProbAlt += a < 0 ? Math.Log(freq[i]) - logSumAlt : Math.Log(freq[a] + freq[i]) - logSumAlt;
            candidates.Add((i, F * (logProbSp - logProbAlt)));
        }
        int prunedSize = Math.Max(desired, (int)(o.ShrinkingFactor * n));
        foreach (var (id, _) in candidates.OrderByDescending(c => c.Loss).ThenBy(c => c.Id))
        {
            if (keep.Count >= prunedSize) break;
            keep.Add(pieces[id]);
        }
        o.Log?.Invoke($"pruned {n:N0} → {keep.Count:N0} pieces");
        return keep;
    }

    static List<(string Piece, float Score)> Finalize(TrainingCorpus corpus, List<(int[] Cps, float Score)> pieces, int target)
    {
        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (cps, score) in pieces) scores[TrainingCorpus.FromCodePoints(cps)] = score;
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
