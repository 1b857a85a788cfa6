using System.Runtime.CompilerServices;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// The Unigram trainer's seed candidates the way spm_train finds them (MakeSeedSentencePieces over esaxx): the
/// internal nodes of the suffix tree of the text, i.e. substrings that occur at least twice and are followed by at
/// least two different characters. The text is the distinct words, each ended by a boundary symbol that says what
/// followed it ("▁" word or sentence end), weighted by word frequency.
/// Only nodes up to max_piece_length characters count, so suffixes are sorted by their first max+1 characters only
/// and LCPs are capped there. Memory is the point of the design: the text and one suffix array (two ints per
/// character) plus a stack, where a full suffix array construction (or prefix doubling) needs three to five more
/// arrays of the text's length — this phase sets the trainer's peak.
/// </summary>
static class SeedSubstrings
{
    const int End = 0, EndBySpace = 1, EndBySentence = 2, FirstChar = 3, BlockShift = 6;

    /// <summary>A seed candidate: characters [Offset, Offset+Length) of word Word, seen Count times (by word frequency).</summary>
    public readonly record struct Candidate(int Word, int Offset, int Length, long Count);

    // Every method here runs once per training over the whole text: optimized code from the start, not tier-0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<Candidate> Find(TrainingCorpus corpus, int maxLength, Func<ReadOnlySpan<int>, bool> isValid, int threads = 1)
    {
        var symbolOf = new Dictionary<int, int>(corpus.Alphabet.Count);
        var charOf = new int[corpus.Alphabet.Count + FirstChar];
        foreach (var (cp, _) in corpus.Alphabet) { charOf[symbolOf.Count + FirstChar] = cp; symbolOf[cp] = symbolOf.Count + FirstChar; }

        // One copy of each word per right context; a word seen before both "▁" and a sentence end gets a second,
        // weightless copy so that its end branches without counting twice. copyStart/copyWord say where each copy
        // begins and whose it is (~word for a weightless copy): a position's word is a binary search away, instead of
        // an int per character.
        long n = 0;
        int copies = 0;
        for (int w = 0; w < corpus.Words.Count; w++)
        {
            int c = corpus.WordEnds[w] == 3 ? 2 : 1;
            n += (corpus.Words[w].Cps.Length + 1) * c;
            copies += c;
        }
        if (n >= int.MaxValue / 2) throw new InvalidOperationException($"the training text has {n:N0} characters after deduplication; sample fewer sentences (--input-sentence-size)");
        var text = new int[n];
        var copyStart = new int[copies];
        var copyWord = new int[copies];
        int k = 0, copy = 0;
        for (int w = 0; w < corpus.Words.Count; w++)
        {
            var cps = corpus.Words[w].Cps;
            byte ends = corpus.WordEnds[w];
            for (int second = 0; second < (ends == 3 ? 2 : 1); second++)
            {
                copyStart[copy] = k;
                copyWord[copy++] = second == 1 ? ~w : w;
                foreach (int cp in cps) text[k++] = symbolOf[cp];
                text[k++] = ends == 2 || second == 1 ? EndBySentence : EndBySpace;
            }
        }

        var copyFreq = new long[copies];
        for (int c = 0; c < copies; c++) copyFreq[c] = copyWord[c] >= 0 ? corpus.Words[copyWord[c]].Freq : 0;
        var blockCopy = new int[(n >> BlockShift) + 1];
        for (int b = 0, c = 0; b < blockCopy.Length; b++)
        {
            while (c + 1 < copies && copyStart[c + 1] <= (long)b << BlockShift) c++;
            blockCopy[b] = c;
        }
        var sa = SortSuffixPrefixes(text, maxLength + 1, charOf.Length, threads);
        var result = new List<Candidate>();
        var cpsBuffer = new int[maxLength];
        // Bottom-up traversal of the LCP intervals (each is an internal suffix-tree node), summing the weights of the
        // suffixes each interval holds as it closes: a closed child's sum flows into its parent.
        var stack = new Stack<(int Depth, int Lb, long Count)>();
        stack.Push((0, 0, 0));
        for (int i = 1; i <= n; i++)
        {
            int lcp = i < n ? Lcp(text, sa[i - 1], sa[i], maxLength + 1) : -1;
            int lb = i - 1;
            long count = copyFreq[CopyOf(sa[i - 1])]; // the suffix at i - 1 lies in the innermost open interval
            while (stack.Count > 0 && lcp < stack.Peek().Depth)
            {
                var (depth, top, sum) = stack.Pop();
                sum += count;
                Report(depth, top, sum);
                lb = top; count = sum;
            }
            if (stack.Count == 0 || lcp > stack.Peek().Depth) stack.Push((lcp, lb, count));
            else { var t = stack.Pop(); stack.Push((t.Depth, t.Lb, t.Count + count)); }
        }
        return result;

        // The copy holding a position: from the copy holding the start of its 64-position block, the last copy
        // starting at or before it (a few steps; a binary search over all copies cost a third of the walk).
        int CopyOf(int position)
        {
            int c = blockCopy[position >> BlockShift];
            while (c + 1 < copyStart.Length && copyStart[c + 1] <= position) c++;
            return c;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Report(int depth, int lb, long count)
        {
            if (depth < 2 || depth > maxLength || count < 2) return;
            int start = sa[lb];
            for (int j = 0; j < depth; j++)
            {
                int s = text[start + j];
                if (s < FirstChar) return; // spans a word end
                cpsBuffer[j] = charOf[s];
            }
            if (!isValid(cpsBuffer.AsSpan(0, depth))) return;
            int c = CopyOf(start), word = copyWord[c];
            result.Add(new Candidate(word >= 0 ? word : ~word, start - copyStart[c], depth, count));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int Lcp(int[] text, int a, int b, int cap)
    {
        int n = text.Length, l = 0;
        while (l < cap && a + l < n && b + l < n && text[a + l] == text[b + l]) l++;
        return l;
    }

    /// <summary>
    /// Suffix start positions ordered by their first <paramref name="prefixLength"/> symbols (ties in any order): a
    /// counting sort on the first symbol, then the first-symbol buckets sorted by comparison, shared out to the threads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int[] SortSuffixPrefixes(int[] text, int prefixLength, int alphabet, int threads)
    {
        int n = text.Length;
        var bucket = new int[alphabet + 1];
        foreach (int s in text) bucket[s + 1]++;
        for (int c = 1; c <= alphabet; c++) bucket[c] += bucket[c - 1];
        var sa = new int[n];
        var fill = (int[])bucket.Clone();
        for (int i = 0; i < n; i++) sa[fill[text[i]]++] = i;
        // Largest buckets first, so the threads finish together.
        var order = Enumerable.Range(0, alphabet).Where(c => bucket[c + 1] - bucket[c] > 1).OrderByDescending(c => bucket[c + 1] - bucket[c]).ToArray();
        int next = 0;
        var comparer = new SuffixComparer(text, prefixLength);
        Parallel.For(0, Math.Clamp(threads, 1, 64), new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(threads, 1, 64) }, _ =>
        {
            for (int j; (j = Interlocked.Increment(ref next) - 1) < order.Length;)
                sa.AsSpan(bucket[order[j]], bucket[order[j] + 1] - bucket[order[j]]).Sort(comparer);
        });
        return sa;
    }

    /// <summary>Compares two suffixes of the same first symbol on their next prefixLength − 1 symbols (the text's end sorts first).</summary>
    readonly struct SuffixComparer(int[] text, int prefixLength) : IComparer<int>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Compare(int a, int b)
        {
            int n = text.Length;
            for (int l = 1; l < prefixLength; l++)
            {
                if (a + l >= n || b + l >= n) return (a + l >= n ? 0 : 1) - (b + l >= n ? 0 : 1);
                int d = text[a + l] - text[b + l];
                if (d != 0) return d;
            }
            return 0;
        }
    }
}
