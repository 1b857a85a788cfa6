using System.Runtime.CompilerServices;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// A read-only double-array trie over Unicode code points for the trainers' lattices (values are indexes into the
/// key list). Code points are first mapped to dense codes 1..A (most frequent key character first, 0 = in no key),
/// so the child of node s by code c is t = base[s] + c, valid when check[t] == s: one step is two adjacent int reads,
/// no hashing. The Unigram trainer builds it once over its seed pieces and walks it for every character of the corpus
/// in every EM and pruning round (pieces that were dropped since are masked out by the caller, not rebuilt).
/// </summary>
sealed class CpTrie
{
    /// <summary>base and check side by side (one cache line serves both reads of a step), and the current piece id of the key ending here (see <see cref="MapPieces"/>).</summary>
    internal struct Unit { public int Base, Check, Piece; }

    readonly Unit[] _units;
    readonly int[] _cpOfCode;
    readonly int[] _bmpCode = new int[0x10000];
    readonly Dictionary<int, int> _astralCode = [];

    public const int Root = 0;

    /// <summary>A trie of <paramref name="keys"/> (a convenience over the flat form).</summary>
    public CpTrie(IReadOnlyList<int[]> keys) : this([.. keys.SelectMany(k => k)], Starts(keys)) { }

    static int[] Starts(IReadOnlyList<int[]> keys)
    {
        var start = new int[keys.Count + 1];
        for (int i = 0; i < keys.Count; i++) start[i + 1] = start[i] + keys[i].Length;
        return start;
    }

    /// <summary>
    /// A trie of the keys chars[start[k] .. start[k + 1]). Both arrays are only borrowed while building: chars is
    /// rewritten in place as codes. Keys are not stored; <see cref="KeyCodes"/> reads one back by walking up the trie.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CpTrie(int[] chars, int[] start)
    {
        // Codes by descending frequency among the keys' characters (ties by code point): the root's children and the
        // busiest nodes get small, dense labels.
        var freq = new Dictionary<int, int>();
        foreach (int c in chars) CollectionsMarshalRef(freq, c)++;
        _cpOfCode = new int[freq.Count + 1];
        int code = 0;
        foreach (var (cp, _) in freq.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)))
        {
            _cpOfCode[++code] = cp;
            if (cp < 0x10000) _bmpCode[cp] = code; else _astralCode[cp] = code;
        }
        MaxCode = code;

        // The builder sorts key indexes by one code per level as it goes (an MSD radix order), so no key comparisons.
        for (int i = 0; i < chars.Length; i++) chars[i] = Code(chars[i]);
        int keyCount = start.Length - 1;
        _nodeOfKey = new int[keyCount];
        var b = new Builder(Math.Max(1024, keyCount * 2), MaxCode, chars, start, _nodeOfKey);
        b.Place(Root, 0, keyCount, 0);
        _units = b.Units[..b.Size];
        for (int node = 0; node < _units.Length; node++) _units[node].Piece = b.Values[node];
    }

    /// <summary>The node where each key ends.</summary>
    readonly int[] _nodeOfKey;

    /// <summary>
    /// Sets the id each node yields from <see cref="PieceAt"/>: <paramref name="pieceOfKey"/>[key] for the node where
    /// a key ends (-1 = the key's piece is dropped). Stored beside base/check, so a lattice walk reads one cache line
    /// per step.
    /// </summary>
    public void MapPieces(int[] pieceOfKey)
    {
        for (int k = 0; k < _nodeOfKey.Length; k++)
            if (_nodeOfKey[k] >= 0) _units[_nodeOfKey[k]].Piece = pieceOfKey[k];
    }

    /// <summary>The mapped piece id at <paramref name="node"/> (see <see cref="MapPieces"/>; initially the key index), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PieceAt(int node) => _units[node].Piece;

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

    /// <summary>Number of keys the trie was built from.</summary>
    public int KeyCount => _nodeOfKey.Length;

    /// <summary>Key <paramref name="key"/> as codes, read back from the trie (child = base[parent] + code) into <paramref name="buffer"/>.</summary>
    public ReadOnlySpan<int> KeyCodes(int key, ref int[] buffer)
    {
        int n = 0;
        for (int node = _nodeOfKey[key]; node != Root; node = _units[node].Check)
        {
            if (n == buffer.Length) Array.Resize(ref buffer, Math.Max(16, 2 * n));
            buffer[n++] = node - _units[_units[node].Check].Base;
        }
        buffer.AsSpan(0, n).Reverse();
        return buffer.AsSpan(0, n);
    }

    /// <summary>Key <paramref name="key"/> as a string.</summary>
    public string KeyString(int key)
    {
        int[] codes = new int[16];
        var sb = new System.Text.StringBuilder();
        foreach (int c in KeyCodes(key, ref codes)) sb.Append(char.ConvertFromUtf32(_cpOfCode[c]));
        return sb.ToString();
    }

    /// <summary>Exact lookup of a key (code points): its mapped piece id (the key index until <see cref="MapPieces"/>), -1 when absent.</summary>
    public int Find(ReadOnlySpan<int> key)
    {
        int node = Root;
        foreach (int cp in key)
        {
            int c = Code(cp);
            if (c == 0 || (node = Next(node, c)) < 0) return -1;
        }
        return key.Length == 0 ? -1 : PieceAt(node);
    }

    sealed class Builder
    {
        public Unit[] Units = [];
        public int[] Values = [];
        public int Size = 1;
        readonly int _maxCode;
        readonly FreeCells _free = new();

        readonly int[] _codes, _start, _order, _label, _nodeOfKey;
        int[] _stack = new int[256];
        int _top;

        public Builder(int capacity, int maxCode, int[] codes, int[] start, int[] nodeOfKey)
        {
            _maxCode = maxCode;
            _codes = codes; _start = start; _nodeOfKey = nodeOfKey;
            int n = start.Length - 1;
            _order = new int[n];
            for (int i = 0; i < n; i++) _order[i] = i;
            _label = new int[n];
            Ensure(capacity);
            Take(0); // the root
            Units[0].Check = int.MinValue;
        }

        /// <summary>
        /// Places the children of <paramref name="node"/>: the keys _order[lo..hi) share their first
        /// <paramref name="depth"/> codes. The range is first sorted by the code at <paramref name="depth"/>
        /// (0 for a key that ends here).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Place(int node, int lo, int hi, int depth)
        {
            bool sorted = true;
            for (int i = lo; i < hi; i++)
            {
                int k = _order[i];
                _label[i] = _start[k] + depth < _start[k + 1] ? _codes[_start[k] + depth] : 0;
                if (i > lo && _label[i] < _label[i - 1]) sorted = false;
            }
            if (!sorted) Array.Sort(_label, _order, lo, hi - lo);
            // Keys that end here: the node's value (of duplicates, the last index, as when adding keys in order).
            for (; lo < hi && _label[lo] == 0; lo++) { Values[node] = Math.Max(Values[node], _order[lo]); _nodeOfKey[_order[lo]] = node; }
            if (lo == hi) return;
            // Children: (label, first key) pairs and the range end, on a stack, as the recursion below reuses _label.
            int frame = _top, count = 0;
            for (int i = lo; i < hi; i++)
                if (i == lo || _label[i] != _label[i - 1]) { Push(_label[i]); Push(i); count++; }
            Push(hi);
            int bas = FindBase(frame, count);
            Units[node].Base = bas;
            for (int c = 0; c < count; c++) { int t = bas + _stack[frame + 2 * c]; Take(t); Units[t].Check = node; }
            Size = Math.Max(Size, bas + _stack[frame + 2 * (count - 1)] + 1);
            for (int c = 0; c < count; c++)
                Place(bas + _stack[frame + 2 * c], _stack[frame + 2 * c + 1], _stack[frame + 2 * c + 3 - (c == count - 1 ? 1 : 0)], depth + 1);
            _top = frame;
        }

        void Push(int v)
        {
            if (_top == _stack.Length) Array.Resize(ref _stack, _stack.Length * 2);
            _stack[_top++] = v;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        int FindBase(int frame, int count)
        {
            int first = _stack[frame];
            for (int pos = _free.Head; ; pos = _free.Next(pos))
            {
                if (pos < 0) { int old = Units.Length; Ensure(old * 2); pos = old; }
                int bas = pos - first;
                if (bas < 1) continue;
                Ensure(bas + _maxCode + 1);
                bool free = true;
                for (int k = 1; k < count && free; k++) free = Units[bas + _stack[frame + 2 * k]].Check == -1;
                if (free) return bas;
            }
        }

        void Take(int cell)
        {
            _free.Take(cell);
            Units[cell].Check = -2; // the caller sets the real parent
        }

        void Ensure(int n)
        {
            if (n <= Units.Length) return;
            int old = Units.Length, size = Math.Max(n, old * 2);
            Array.Resize(ref Units, size);
            Array.Resize(ref Values, size);
            Array.Fill(Values, -1, old, size - old);
            for (int i = old; i < size; i++) Units[i] = new Unit { Base = 0, Check = -1, Piece = -1 };
            _free.Grow(old, size);
        }
    }
}
