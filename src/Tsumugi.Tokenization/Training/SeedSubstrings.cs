namespace Tsumugi.Tokenization.Training;

/// <summary>
/// The Unigram trainer's seed candidates the way spm_train finds them (MakeSeedSentencePieces over esaxx): the
/// internal nodes of the suffix tree of the text, i.e. substrings that occur at least twice and are followed by at
/// least two different characters. The text is the distinct words, each ended by a boundary symbol that says what
/// followed it ("▁" word or sentence end), weighted by word frequency.
/// Only nodes up to max_piece_length characters count, so suffixes are sorted by their first max+1 characters
/// (prefix doubling with radix passes, ⌈log2(max+1)⌉ rounds) and LCPs are capped there: a few int arrays of the
/// text's length instead of one hash entry per distinct substring.
/// </summary>
static class SeedSubstrings
{
    const int End = 0, EndBySpace = 1, EndBySentence = 2, FirstChar = 3;

    /// <summary>A seed candidate: characters [Offset, Offset+Length) of word Word, seen Count times (by word frequency).</summary>
    public readonly record struct Candidate(int Word, int Offset, int Length, long Count);

    // Every method here runs once per training over the whole text: optimized code from the start, not tier-0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static List<Candidate> Find(TrainingCorpus corpus, int maxLength, Func<ReadOnlySpan<int>, bool> isValid)
    {
        var symbolOf = new Dictionary<int, int>(corpus.Alphabet.Count);
        var charOf = new int[corpus.Alphabet.Count + FirstChar];
        foreach (var (cp, _) in corpus.Alphabet) { charOf[symbolOf.Count + FirstChar] = cp; symbolOf[cp] = symbolOf.Count + FirstChar; }

        // One copy of each word per right context; a word seen before both "▁" and a sentence end gets a second,
        // weightless copy so that its end branches without counting twice.
        long n = 0;
        for (int w = 0; w < corpus.Words.Count; w++) n += (corpus.Words[w].Cps.Length + 1) * (corpus.WordEnds[w] == 3 ? 2 : 1);
        if (n >= int.MaxValue / 2) throw new InvalidOperationException($"the training text has {n:N0} characters after deduplication; sample fewer sentences (--input-sentence-size)");
        var text = new int[n];
        var wordAt = new int[n]; // ~word (negative) in a weightless copy: no separate weight array
        static int WordOf(int x) => x >= 0 ? x : ~x;
        int k = 0;
        for (int w = 0; w < corpus.Words.Count; w++)
        {
            var (cps, freq) = corpus.Words[w];
            byte ends = corpus.WordEnds[w];
            foreach (var (end, tag) in ends == 3 ? [(EndBySpace, w), (EndBySentence, ~w)] : new[] { (ends == 1 ? EndBySpace : EndBySentence, w) })
            {
                for (int i = 0; i <= cps.Length; i++)
                {
                    text[k] = i < cps.Length ? symbolOf[cps[i]] : end;
                    wordAt[k] = tag;
                    k++;
                }
            }
        }

        var sa = SortSuffixPrefixes(text, maxLength + 1, charOf.Length);
        // Weights in suffix order, as prefix sums: the count of an interval is one subtraction.
        var prefix = new long[n + 1];
        var freqOf = new long[corpus.Words.Count];
        for (int w = 0; w < freqOf.Length; w++) freqOf[w] = corpus.Words[w].Freq;
        for (int i = 0; i < n; i++) { int tag = wordAt[sa[i]]; prefix[i + 1] = prefix[i] + (tag >= 0 ? freqOf[tag] : 0); }

        var result = new List<Candidate>();
        var cpsBuffer = new int[maxLength];
        // Bottom-up traversal of the LCP intervals (each is an internal suffix-tree node).
        var stack = new Stack<(int Depth, int Lb)>();
        stack.Push((0, 0));
        for (int i = 1; i <= n; i++)
        {
            int lcp = i < n ? Lcp(text, sa[i - 1], sa[i], maxLength + 1) : -1;
            int lb = i - 1;
            while (stack.Count > 0 && lcp < stack.Peek().Depth)
            {
                var (depth, top) = stack.Pop();
                lb = top;
                Report(depth, lb, i - 1);
            }
            if (stack.Count == 0 || lcp > stack.Peek().Depth) stack.Push((lcp, lb));
        }
        return result;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void Report(int depth, int lb, int rb)
        {
            if (depth < 2 || depth > maxLength) return;
            long count = prefix[rb + 1] - prefix[lb];
            if (count < 2) return;
            int start = sa[lb];
            for (int j = 0; j < depth; j++)
            {
                int s = text[start + j];
                if (s < FirstChar) return; // spans a word end
                cpsBuffer[j] = charOf[s];
            }
            if (!isValid(cpsBuffer.AsSpan(0, depth))) return;
            int word = WordOf(wordAt[start]);
            // The offset inside the word: walk back to the previous boundary symbol (at most maxLength steps away is
            // not guaranteed, so count from the word's copy start).
            int offset = 0;
            for (int p = start - 1; p >= 0 && text[p] >= FirstChar; p--) offset++;
            result.Add(new Candidate(word, offset, depth, count));
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static int Lcp(int[] text, int a, int b, int cap)
    {
        int n = text.Length, l = 0;
        while (l < cap && a + l < n && b + l < n && text[a + l] == text[b + l]) l++;
        return l;
    }

    /// <summary>
    /// Suffix start positions ordered by their first <paramref name="prefixLength"/> symbols (ties in any order):
    /// prefix doubling, each round a stable two-pass counting sort on (rank[i], rank[i + h]).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static int[] SortSuffixPrefixes(int[] text, int prefixLength, int alphabet)
    {
        int n = text.Length;
        var sa = new int[n];
        var rank = new int[n];
        var tmp = new int[n];
        var count = new int[Math.Max(alphabet, n) + 1];
        for (int i = 0; i < n; i++) count[text[i]]++;
        for (int c = 1; c < alphabet; c++) count[c] += count[c - 1];
        for (int i = n - 1; i >= 0; i--) sa[--count[text[i]]] = i;
        rank[sa[0]] = 0;
        for (int i = 1; i < n; i++) rank[sa[i]] = rank[sa[i - 1]] + (text[sa[i]] != text[sa[i - 1]] ? 1 : 0);
        for (int h = 1; h < prefixLength && rank[sa[n - 1]] < n - 1; h *= 2)
        {
            // Order by the second key: suffixes with i + h past the end first, then sa shifted by h.
            int t = 0;
            for (int i = n - h; i < n; i++) tmp[t++] = i;
            for (int i = 0; i < n; i++) if (sa[i] >= h) tmp[t++] = sa[i] - h;
            // Stable counting sort by the first key.
            int classes = rank[sa[n - 1]] + 1;
            Array.Clear(count, 0, classes + 1);
            for (int i = 0; i < n; i++) count[rank[i]]++;
            for (int c = 1; c < classes; c++) count[c] += count[c - 1];
            for (int i = n - 1; i >= 0; i--) sa[--count[rank[tmp[i]]]] = tmp[i];
            // New ranks of (rank[i], rank[i + h]) pairs.
            tmp[sa[0]] = 0;
            for (int i = 1; i < n; i++)
            {
                int a = sa[i - 1], b = sa[i];
                bool same = rank[a] == rank[b] && (a + h < n ? rank[a + h] : -1) == (b + h < n ? rank[b + h] : -1);
                tmp[b] = tmp[a] + (same ? 0 : 1);
            }
            (rank, tmp) = (tmp, rank);
        }
        return sa;
    }
}
