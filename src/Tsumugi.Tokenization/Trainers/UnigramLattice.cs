using System.Runtime.CompilerServices;

namespace Tsumugi.Tokenization.Trainers;

// The Unigram trainer's lattice over the corpus words and its per-thread buffers (UnigramTrainer.cs has the algorithm).
public static partial class UnigramTrainer
{
    /// <summary>
    /// The words as trie codes and the trie of every piece the trainer may still hold (the seeds): built once, so that
    /// a round only re-maps trie keys to the current pieces (<see cref="SetPieces"/>) instead of rebuilding a trie.
    /// </summary>
    internal sealed class Lattice
    {
        public readonly CpTrie Trie;
        /// <summary>Every distinct word's characters as trie codes (0 = in no piece), concatenated.</summary>
        public readonly int[] Codes;
        /// <summary>Word w is Codes[Start[w] .. Start[w + 1]).</summary>
        public readonly int[] Start;
        public readonly long[] Freq;
        public readonly int MaxWordLength;
        /// <summary>The current piece index of each trie key, -1 for a piece dropped since.</summary>
        public readonly int[] PieceOfKey;

        // Buffers sized for the most pieces a round can hold (every key), allocated once: a round allocates nothing
        // large, so no garbage piles up between collections (large arrays would otherwise wait for a gen-2 GC).
        public readonly float[] Scores;
        public readonly double[] Probs, Total;
        Worker[] _workers = [];
        (double[] Loss, Piece[] Kept, (int Id, double Loss)[] Candidates)? _prune;

        /// <summary>
        /// Pruning's per-piece buffers, allocated by the first pruning round for its pieces: far fewer than the seeds,
        /// as round 0's M-step already drops most of them.
        /// </summary>
        public (double[] Loss, Piece[] Kept, (int Id, double Loss)[] Candidates) PruneBuffers(int n)
        {
            if (_prune is not { } b || b.Loss.Length < n) _prune = b = (new double[n], new Piece[n], new (int, double)[n]);
            return b;
        }

        public Lattice(TrainingCorpus corpus, CpTrie trie)
        {
            Trie = trie;
            int keys = trie.KeyCount;
            PieceOfKey = new int[keys];
            Scores = new float[keys]; Probs = new double[keys]; Total = new double[keys];
            var words = corpus.Words;
            Start = new int[words.Count + 1];
            Freq = new long[words.Count];
            long total = 0;
            foreach (var (cps, _) in words) total += cps.Length;
            if (total > int.MaxValue) throw new InvalidOperationException($"the training text has {total:N0} characters after deduplication; sample fewer sentences (--input-sentence-size)");
            Codes = new int[total];
            int k = 0;
            for (int w = 0; w < words.Count; w++)
            {
                var (cps, f) = words[w];
                Start[w] = k;
                Freq[w] = f;
                foreach (int cp in cps) Codes[k++] = Trie.Code(cp);
                MaxWordLength = Math.Max(MaxWordLength, cps.Length);
            }
            Start[words.Count] = k;
        }

        public int WordCount => Freq.Length;

        /// <summary>One worker per thread, each with its own accumulator of piece-count length.</summary>
        public Worker[] Workers(int threads)
        {
            threads = Math.Max(1, threads);
            if (_workers.Length != threads) _workers = [.. Enumerable.Range(0, threads).Select(_ => new Worker(PieceOfKey.Length, MaxWordLength))];
            return _workers;
        }

        /// <summary>Runs <paramref name="body"/> over [0, count) in chunks taken by <paramref name="threads"/> workers.</summary>
        public void ForChunks(int count, int chunk, int threads, Action<Worker, int, int> body)
        {
            var workers = Workers(threads);
            int next = 0;
            Parallel.For(0, workers.Length, new ParallelOptions { MaxDegreeOfParallelism = workers.Length }, t =>
            {
                var wk = workers[t];
                for (int lo; (lo = Interlocked.Add(ref next, chunk) - chunk) < count;) body(wk, lo, Math.Min(count, lo + chunk));
            });
        }

        public ReadOnlySpan<int> Word(int w) => Codes.AsSpan(Start[w], Start[w + 1] - Start[w]);

        public void SetPieces(List<Piece> pieces)
        {
            Array.Fill(PieceOfKey, -1);
            for (int i = 0; i < pieces.Count; i++) PieceOfKey[pieces[i].Key] = i;
            Trie.MapPieces(PieceOfKey);
        }

        /// <summary>
        /// The lattice edges of a code string: for each start (ascending), every current piece that begins there
        /// (ends ascending), then an unknown-character edge (id -1) when no one-character piece does.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Edges(ReadOnlySpan<int> w, EdgeBuffer edges)
        {
            edges.Count = 0;
            var trie = Trie;
            for (int s = 0; s < w.Length; s++)
            {
                edges.Reserve(w.Length - s + 1);
                bool single = false;
                int node = CpTrie.Root;
                for (int e = s; e < w.Length; e++)
                {
                    int c = w[e];
                    if (c == 0 || (node = trie.Next(node, c)) < 0) break;
                    int id = trie.PieceAt(node);
                    if (id < 0) continue;
                    edges.Add(s, e + 1, id);
                    if (e == s) single = true;
                }
                if (!single) edges.Add(s, s + 1, -1);
            }
        }

        /// <summary>
        /// <see cref="Edges"/> and, in the same pass, the Viterbi score of every position (best[t] = the best log
        /// probability of a path to t; edges are generated by start, so best[s] is final when its edges are).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void EdgesAndBest(ReadOnlySpan<int> w, EdgeBuffer edges, float[] scores, float unk, double[] best)
        {
            edges.Count = 0;
            var trie = Trie;
            best.AsSpan(0, w.Length + 1).Fill(double.NegativeInfinity);
            best[0] = 0;
            for (int s = 0; s < w.Length; s++)
            {
                edges.Reserve(w.Length - s + 1);
                bool single = false;
                int node = CpTrie.Root;
                double bs = best[s];
                for (int e = s; e < w.Length; e++)
                {
                    int c = w[e];
                    if (c == 0 || (node = trie.Next(node, c)) < 0) break;
                    int id = trie.PieceAt(node);
                    if (id < 0) continue;
                    edges.Add(s, e + 1, id);
                    double v = bs + scores[id];
                    if (v > best[e + 1]) best[e + 1] = v;
                    if (e == s) single = true;
                }
                if (!single)
                {
                    edges.Add(s, s + 1, -1);
                    double v = bs + unk;
                    if (v > best[s + 1]) best[s + 1] = v;
                }
            }
        }
    }

    /// <summary>One thread's reusable lattice edges (start, end, piece id or -1).</summary>
    internal sealed class EdgeBuffer
    {
        public int[] S = new int[1024], E = new int[1024], Id = new int[1024];
        public int Count;

        public void Reserve(int more)
        {
            if (Count + more <= S.Length) return;
            int n = Math.Max(S.Length * 2, Count + more);
            Array.Resize(ref S, n); Array.Resize(ref E, n); Array.Resize(ref Id, n);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int s, int e, int id) { S[Count] = s; E[Count] = e; Id[Count] = id; Count++; }
    }

    /// <summary>One thread's reusable buffers for E-steps and Viterbi passes.</summary>
    internal sealed class Worker(int pieces, int maxLength)
    {
        public readonly double[] Acc = new double[pieces];
        public double Obj, F;
        public readonly EdgeBuffer Edges = new();
        public readonly double[] Alpha = new double[maxLength + 1], Beta = new double[maxLength + 1];
        public readonly double[] Best = new double[maxLength + 1], Step = new double[maxLength + 1];
        public double[] Weight = new double[1024];
        public readonly int[] BackS = new int[maxLength + 1], BackId = new int[maxLength + 1];
        public int[] Codes = new int[16];
        public int[] Path = new int[maxLength + 1];
    }
}
