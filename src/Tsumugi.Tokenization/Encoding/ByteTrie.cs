namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// A byte-level trie mapping UTF-8 strings to ids. Root transitions are a flat table (the hot path for
/// one-character pieces); deeper transitions live in one hash table keyed by (node, byte).
/// </summary>
public sealed class ByteTrie
{
    readonly int[] _root = new int[256];
    readonly EdgeTable _edges = new();
    readonly List<int> _values = [-1];

    public ByteTrie() => Array.Fill(_root, -1);

    public void Add(ReadOnlySpan<byte> key, int value)
    {
        if (key.Length == 0) throw new ArgumentException("empty key");
        int node = _root[key[0]];
        if (node < 0) { node = NewNode(); _root[key[0]] = node; }
        for (int i = 1; i < key.Length; i++)
        {
            long k = ((long)node << 8) | key[i];
            if (!_edges.TryGetValue(k, out int next)) { next = NewNode(); _edges.Add(k, next); }
            node = next;
        }
        _values[node] = value;
    }

    int NewNode() { _values.Add(-1); return _values.Count - 1; }

    /// <summary>Node reached from the root by one byte, or -1.</summary>
    public int Start(byte b) => _root[b];

    /// <summary>Node reached from <paramref name="node"/> by <paramref name="b"/>, or -1.</summary>
    public int Next(int node, byte b) => _edges.TryGetValue(((long)node << 8) | b, out int n) ? n : -1;

    /// <summary>Value stored at a node, or -1.</summary>
    public int Value(int node) => _values[node];

    /// <summary>Exact lookup; -1 when absent.</summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        if (key.Length == 0) return -1;
        int node = _root[key[0]];
        for (int i = 1; i < key.Length && node >= 0; i++) node = Next(node, key[i]);
        return node < 0 ? -1 : _values[node];
    }

    /// <summary>Length in bytes of the longest key that prefixes <paramref name="text"/>, or 0.</summary>
    public int LongestPrefix(ReadOnlySpan<byte> text)
    {
        if (text.Length == 0) return 0;
        int node = _root[text[0]], best = 0;
        for (int i = 1; node >= 0; i++)
        {
            if (_values[node] >= 0) best = i;
            if (i >= text.Length) break;
            node = Next(node, text[i]);
        }
        return best;
    }
}
