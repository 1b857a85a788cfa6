namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// A read-only double-array trie over UTF-8 bytes (the darts layout sentencepiece itself matches with): the child of
/// node s by byte b is t = base[s] + b, valid when check[t] == s. One step is two reads of adjacent ints, no hashing,
/// which is what the Unigram Viterbi does for every byte of every candidate piece. Each node also carries the
/// payload the Viterbi needs there (piece id or -1, and its score), so a match costs no further lookups.
/// </summary>
sealed class DoubleArrayTrie
{
    /// <summary>base and check side by side: one cache line serves both reads of a step.</summary>
    internal struct Unit { public int Base, Check; }

    readonly Unit[] _units;
    readonly int[] _ids;
    readonly double[] _scores;

    public const int Root = 0;

    /// <summary>Builds from (key, id, score) entries; keys must be non-empty and distinct. id -1 = traversable only.</summary>
    public DoubleArrayTrie(IReadOnlyList<(byte[] Key, int Id, double Score)> entries)
    {
        // Sorted by key, ties in input order (a stable sort, as the placement below needs): an index sort, which
        // allocates less than LINQ's OrderBy and needs no generic sorter compiled at load.
        var order = new int[entries.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => { int c = entries[x].Key.AsSpan().SequenceCompareTo(entries[y].Key); return c != 0 ? c : x.CompareTo(y); });
        var sorted = new (byte[] Key, int Id, double Score)[order.Length];
        for (int i = 0; i < order.Length; i++) sorted[i] = entries[order[i]];
        // Sized to the trie: one cell per distinct prefix (the root, and each key's bytes past what it shares with the
        // key before it), which placement fills almost without gaps on sentencepiece vocabularies (80k nodes in 80k
        // cells for a 16k Japanese model), plus the 256 cells a base search looks past the end. Each cell costs 28
        // bytes while building, and on a VM each fresh page is a costly fault: a fixed 8 cells a key allocated
        // 1.6× what was used.
        int nodes = 1;
        for (int i = 0; i < sorted.Length; i++)
            nodes += sorted[i].Key.Length - (i == 0 ? 0 : sorted[i].Key.AsSpan().CommonPrefixLength(sorted[i - 1].Key));
        var b = new Builder(nodes + nodes / 16 + 512);
        b.Place(Root, sorted, 0, sorted.Length, 0);
        // The builder's arrays are kept as they are, not trimmed to b.Size: a trimmed copy would live beside them at
        // the load's memory peak. Cells past the last node are free (check −1, id −1), so lookups end there anyway.
        _units = b.Units;
        _ids = b.Ids;
        _scores = b.Scores;
    }

    public ReadOnlySpan<Unit> Units => _units;
    public int[] Ids => _ids;
    public double[] Scores => _scores;

    /// <summary>Exact lookup of a key's id; -1 when absent.</summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        int node = Root;
        foreach (byte c in key)
        {
            int t = _units[node].Base + c;
            if ((uint)t >= (uint)_units.Length || _units[t].Check != node) return -1;
            node = t;
        }
        return key.Length == 0 ? -1 : _ids[node];
    }

    sealed class Builder
    {
        public Unit[] Units = [];
        public int[] Ids = [];
        public double[] Scores = [];
        public int Size = 1;
        readonly FreeCells _free = new();

        public Builder(int capacity)
        {
            Ensure(capacity);
            Take(0); // the root
            Units[0].Check = int.MinValue;
        }

        /// <summary>Places the children of <paramref name="node"/>: the keys in [lo, hi) share their first <paramref name="depth"/> bytes.</summary>
        // Once per load over every piece: precompiled (ReadyToRun) in the CLI's Release build (Tsumugi.Cli.csproj),
        // which starts sooner than an AggressiveOptimization JIT at the first call (load is part of each CLI run).
        public void Place(int node, (byte[] Key, int Id, double Score)[] keys, int lo, int hi, int depth)
        {
            // A key that ends here is the node's own payload; sorting puts it first.
            // (A duplicate key keeps the last entry, like ByteTrie.Add.)
            while (lo < hi && keys[lo].Key.Length == depth)
            {
                Ids[node] = keys[lo].Id; Scores[node] = keys[lo].Score;
                lo++;
            }
            if (lo == hi) return;
            Span<byte> labels = stackalloc byte[256]; // per call: the recursion below places grandchildren first
            int count = 0;
            for (int i = lo; i < hi; i++)
            {
                byte c = keys[i].Key[depth];
                if (count == 0 || labels[count - 1] != c) labels[count++] = c;
            }
            int bas = FindBase(labels[..count]);
            Units[node].Base = bas;
            for (int k = 0; k < count; k++) { Take(bas + labels[k]); Units[bas + labels[k]].Check = node; }
            Size = Math.Max(Size, bas + labels[count - 1] + 1);
            int start = lo;
            for (int k = 0; k < count; k++)
            {
                int end = start;
                while (end < hi && keys[end].Key[depth] == labels[k]) end++;
                Place(bas + labels[k], keys, start, end, depth + 1);
                start = end;
            }
        }

        // Once per load over every piece: precompiled (ReadyToRun) in the CLI's Release build (Tsumugi.Cli.csproj),
        // which starts sooner than an AggressiveOptimization JIT at the first call (load is part of each CLI run).
        int FindBase(ReadOnlySpan<byte> labels)
        {
            for (int pos = _free.Head; ; pos = _free.Next(pos))
            {
                if (pos < 0) { int old = Units.Length; Ensure(old * 2); pos = old; }
                int bas = pos - labels[0];
                if (bas < 1) continue;
                Ensure(bas + 256);
                bool free = true;
                for (int k = 1; k < labels.Length && free; k++) free = Units[bas + labels[k]].Check == -1;
                if (free) return bas;
            }
        }

        // Once per load over every piece: precompiled (ReadyToRun) in the CLI's Release build (Tsumugi.Cli.csproj),
        // which starts sooner than an AggressiveOptimization JIT at the first call (load is part of each CLI run).
        void Take(int cell)
        {
            _free.Take(cell);
            Units[cell].Check = -2; // the caller sets the real parent
        }

        void Ensure(int n)
        {
            if (n <= Units.Length) return;
            int old = Units.Length, size = Math.Max(n, old + old / 4); // past the estimate: grow by steps, not doubling
            Array.Resize(ref Units, size);
            Array.Resize(ref Ids, size);
            Array.Resize(ref Scores, size);
            Array.Fill(Ids, -1, old, size - old);
            for (int i = old; i < size; i++) Units[i] = new Unit { Base = 0, Check = -1 };
            _free.Grow(old, size);
        }
    }
}
