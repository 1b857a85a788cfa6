namespace Tsumugi.Tokenization.Training;

/// <summary>
/// Trie over Unicode code points for the trainers' lattices (ids are indexes into the piece list). Edges live in the
/// encoder's open-addressing table: every E-step and pruning pass walks it once per character of the corpus.
/// </summary>
sealed class CpTrie
{
    readonly Tsumugi.Tokenization.Encoding.EdgeTable _edges = new();
    readonly List<int> _values = [-1];

    public CpTrie(IReadOnlyList<int[]> keys)
    {
        for (int id = 0; id < keys.Count; id++)
        {
            int node = 0;
            foreach (int c in keys[id])
            {
                long k = ((long)node << 21) | (uint)c;
                if (!_edges.TryGetValue(k, out int next)) { _values.Add(-1); next = _values.Count - 1; _edges.Add(k, next); }
                node = next;
            }
            _values[node] = id;
        }
    }

    public int Next(int node, int c) => _edges.TryGetValue(((long)node << 21) | (uint)c, out int n) ? n : -1;
    public int Value(int node) => _values[node];
}
