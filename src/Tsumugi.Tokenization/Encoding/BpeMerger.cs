namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// sentencepiece's BPE encoder (bpe_model.cc): split into characters (user-defined symbols frozen), then repeatedly
/// merge the adjacent pair whose concatenation is a piece with the highest score, ties to the leftmost pair.
/// Pieces of type UNUSED are re-split into the pair they were merged from.
/// </summary>
static class BpeMerger
{
    struct Sym { public int Start, Len, Prev, Next; public bool Freeze; }

    sealed class PairOrder : IComparer<(float Score, int Left)>
    {
        public static readonly PairOrder Instance = new();
        public int Compare((float Score, int Left) a, (float Score, int Left) b)
        {
            int c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : a.Left.CompareTo(b.Left);
        }
    }

    public static void Encode(ReadOnlySpan<byte> s, SpmVocab v, List<(int Start, int Length, int Id)> output)
    {
        if (s.Length == 0) return;
        var syms = new List<Sym>(s.Length);
        int pos = 0;
        while (pos < s.Length)
        {
            int len = v.UserDefinedTrie?.LongestPrefix(s[pos..]) ?? 0;
            bool freeze = len > 0;
            if (!freeze) len = Math.Min(Utf8Util.OneCharLen(s[pos]), s.Length - pos);
            syms.Add(new Sym { Start = pos, Len = len, Prev = syms.Count - 1, Next = pos + len < s.Length ? syms.Count + 1 : -1, Freeze = freeze });
            pos += len;
        }
        var symbols = syms.ToArray();
        var agenda = new PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)>(PairOrder.Instance);
        Dictionary<int, (int LStart, int LLen, int RLen)>? revMerge = null;

        void MaybeAdd(ReadOnlySpan<byte> str, int left, int right)
        {
            if (left == -1 || right == -1 || symbols[left].Freeze || symbols[right].Freeze) return;
            int size = symbols[left].Len + symbols[right].Len;
            int id = v.Trie!.Find(str.Slice(symbols[left].Start, size));
            if (id < 0) return;
            agenda.Enqueue((left, right, size), (v.Scores[id], left));
            if (v.IsUnused[id])
            {
                revMerge ??= new();
                revMerge[id] = (symbols[left].Start, symbols[left].Len, symbols[right].Len);
            }
        }

        for (int i = 1; i < symbols.Length; i++) MaybeAdd(s, i - 1, i);
        while (agenda.TryDequeue(out var top, out _))
        {
            ref var l = ref symbols[top.Left];
            ref var r = ref symbols[top.Right];
            if (l.Len == 0 || r.Len == 0 || l.Len + r.Len != top.Size) continue;
            l.Len += r.Len;
            l.Next = r.Next;
            if (r.Next >= 0) symbols[r.Next].Prev = top.Left;
            r.Len = 0;
            MaybeAdd(s, l.Prev, top.Left);
            MaybeAdd(s, top.Left, l.Next);
        }
        for (int i = 0; i != -1; i = symbols[i].Next) Resegment(s, symbols[i].Start, symbols[i].Len, v, revMerge, output);
    }

    static void Resegment(ReadOnlySpan<byte> s, int start, int len, SpmVocab v, Dictionary<int, (int LStart, int LLen, int RLen)>? rev, List<(int, int, int)> output)
    {
        int id = v.Trie!.Find(s.Slice(start, len));
        if (id < 0) { output.Add((start, len, v.UnkId)); return; }
        if (!v.IsUnused[id] || rev == null || !rev.TryGetValue(id, out var m)) { output.Add((start, len, id)); return; }
        // The recorded split may come from another occurrence of the same string; only the lengths matter.
        Resegment(s, start, m.LLen, v, rev, output);
        Resegment(s, start + m.LLen, m.RLen, v, rev, output);
    }
}
