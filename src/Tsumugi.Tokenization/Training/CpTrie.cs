using System.Runtime.CompilerServices;

namespace Tsumugi.Tokenization.Training;

/// <summary>
/// A read-only double-array trie over Unicode code points for the trainers' lattices (values are indexes into the
/// key list). Code points are first mapped to dense codes 1..A (most frequent key character first, 0 = in no key),
/// so the child of node s by code c is t = base[s] + c, valid when check[t] == s: one step is two adjacent int reads,
/// no hashing. The Unigram trainer builds it once over its seed pieces and walks it for every character of the corpus
/// in every EM and pruning round (pieces that were dropped since are masked out by the caller, not rebuilt).
/// </summary>
sealed class CpTrie
{
    /// <summary>base and check side by side: one cache line serves both reads of a step.</summary>
    internal struct Unit { public int Base, Check; }

    readonly Unit[] _units;
    readonly int[] _values;
    readonly int[] _bmpCode = new int[0x10000];
    readonly Dictionary<int, int> _astralCode = [];

    public const int Root = 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CpTrie(IReadOnlyList<int[]> keys)
    {
        // Codes by descending frequency among the keys' characters (ties by code point): the root's children and the
        // busiest nodes get small, dense labels.
        var freq = new Dictionary<int, int>();
        foreach (var k in keys) foreach (int c in k) CollectionsMarshalRef(freq, c)++;
        int code = 0;
        foreach (var (cp, _) in freq.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)))
        {
            code++;
            if (cp < 0x10000) _bmpCode[cp] = code; else _astralCode[cp] = code;
        }
        MaxCode = code;

        var coded = new int[keys.Count][];
        for (int i = 0; i < keys.Count; i++)
        {
            var k = keys[i];
            var c = new int[k.Length];
            for (int j = 0; j < k.Length; j++) c[j] = Code(k[j]);
            coded[i] = c;
        }
        var order = new int[keys.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int a, int b) => { int r = coded[a].AsSpan().SequenceCompareTo(coded[b]); return r != 0 ? r : a.CompareTo(b); });

        var b = new Builder(Math.Max(1024, keys.Count * 3), MaxCode);
        b.Place(Root, coded, order, 0, order.Length, 0);
        _units = b.Units[..b.Size];
        _values = b.Values[..b.Size];
    }

    static ref int CollectionsMarshalRef(Dictionary<int, int> d, int key) =>
        ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(d, key, out _);

    /// <summary>The largest character code (the number of distinct characters in the keys).</summary>
    public int MaxCode { get; }

    /// <summary>Number of trie cells (nodes plus holes).</summary>
    public int Size => _units.Length;

    /// <summary>A code point's code, 0 when no key contains it (no node has a child by it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Code(int cp) => cp < 0x10000 ? _bmpCode[cp] : _astralCode.GetValueOrDefault(cp);

    /// <summary>The child of <paramref name="node"/> by code <paramref name="code"/> (≥ 1), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int node, int code)
    {
        int t = _units[node].Base + code;
        return (uint)t < (uint)_units.Length && _units[t].Check == node ? t : -1;
    }

    /// <summary>The key index that ends at <paramref name="node"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Value(int node) => _values[node];

    /// <summary>Exact lookup of a key (code points); -1 when absent.</summary>
    public int Find(ReadOnlySpan<int> key)
    {
        int node = Root;
        foreach (int cp in key)
        {
            int c = Code(cp);
            if (c == 0 || (node = Next(node, c)) < 0) return -1;
        }
        return key.Length == 0 ? -1 : _values[node];
    }

    sealed class Builder
    {
        public Unit[] Units = [];
        public int[] Values = [];
        public int Size = 1;
        readonly int _maxCode;
        // Free cells form a doubly linked list (head = _head) so a base search visits only free cells.
        int[] _next = [], _prev = [];
        int _head = -1, _tail = -1;
        int[] _labels = new int[16];

        public Builder(int capacity, int maxCode)
        {
            _maxCode = maxCode;
            Ensure(capacity);
            Take(0); // the root
            Units[0].Check = int.MinValue;
        }

        /// <summary>Places the children of <paramref name="node"/>: keys order[lo..hi) share their first <paramref name="depth"/> codes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Place(int node, int[][] keys, int[] order, int lo, int hi, int depth)
        {
            // A key that ends here is the node's value; sorting puts it first (a duplicate key keeps the last index).
            while (lo < hi && keys[order[lo]].Length == depth) { Values[node] = order[lo]; lo++; }
            if (lo == hi) return;
            int count = 0;
            for (int i = lo; i < hi; i++)
            {
                int c = keys[order[i]][depth];
                if (count == 0 || _labels[count - 1] != c)
                {
                    if (count == _labels.Length) Array.Resize(ref _labels, count * 2);
                    _labels[count++] = c;
                }
            }
            var labels = _labels.AsSpan(0, count).ToArray(); // the recursion below reuses _labels
            int bas = FindBase(labels);
            Units[node].Base = bas;
            foreach (int c in labels) { Take(bas + c); Units[bas + c].Check = node; }
            Size = Math.Max(Size, bas + labels[^1] + 1);
            int start = lo;
            foreach (int c in labels)
            {
                int end = start;
                while (end < hi && keys[order[end]][depth] == c) end++;
                Place(bas + c, keys, order, start, end, depth + 1);
                start = end;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        int FindBase(int[] labels)
        {
            for (int pos = _head; ; pos = _next[pos])
            {
                if (pos < 0) { int old = Units.Length; Ensure(old * 2); pos = old; }
                int bas = pos - labels[0];
                if (bas < 1) continue;
                Ensure(bas + _maxCode + 1);
                bool free = true;
                for (int k = 1; k < labels.Length && free; k++) free = Units[bas + labels[k]].Check == -1;
                if (free) return bas;
            }
        }

        void Take(int cell)
        {
            int p = _prev[cell], n = _next[cell];
            if (p >= 0) _next[p] = n; else _head = n;
            if (n >= 0) _prev[n] = p; else _tail = p;
            Units[cell].Check = -2; // the caller sets the real parent
        }

        void Ensure(int n)
        {
            if (n <= Units.Length) return;
            int old = Units.Length, size = Math.Max(n, old * 2);
            Array.Resize(ref Units, size);
            Array.Resize(ref Values, size);
            Array.Resize(ref _next, size);
            Array.Resize(ref _prev, size);
            Array.Fill(Values, -1, old, size - old);
            for (int i = old; i < size; i++)
            {
                Units[i] = new Unit { Base = 0, Check = -1 };
                _prev[i] = i == old ? _tail : i - 1;
                _next[i] = i + 1 < size ? i + 1 : -1;
            }
            if (_tail >= 0) _next[_tail] = old; else _head = old;
            _tail = size - 1;
        }
    }
}
