using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Tokenization.Normalization;

/// <summary>
/// Writes a darts-clone double array (the trie format inside sentencepiece's precompiled_charsmap, read by
/// <see cref="PrecompiledCharsMap"/>, by sentencepiece's Normalizer and by HF tokenizers' Precompiled).
/// Units are uint32: label in bits 0–7, has_leaf in bit 8, the XOR offset to the children's block in bits 10–31
/// (bit 9 = offset stored ≫ 8). The child of node p by byte c is q = p ^ offset(p) ^ c, valid when label(q) == c;
/// a key's value sits in the child by byte 0 as (value | 1 ≪ 31), so its label never equals a byte.
/// As darts-clone does by default, the trie is first minimized into a DAWG — identical subtrees (same values) are
/// stored once — which is what keeps an NFKC map small: "ｶﾞ", "カ゛" and "ガ" spellings share everything after their
/// first character. Every children's block ("base") belongs to one DAWG node (two nodes sharing one would see each
/// other's children), and the array is padded to whole 256-unit blocks because readers index base ^ byte unchecked.
/// </summary>
static class DartsCloneWriter
{
    const uint LeafBit = 1u << 31;
    const int BlockSize = 256;
    /// <summary>Bases are searched among the free cells of the last blocks only, as darts-clone does (NUM_EXTRA_BLOCKS).</summary>
    const int SearchBlocks = 16;

    /// <summary>A DAWG node: its value (−1 = none) and children by byte label.</summary>
    sealed record Node(int Value, byte[] Labels, int[] Children);

    /// <summary>Builds the units for non-empty, distinct, NUL-free keys with values in [0, 2^31).</summary>
    public static uint[] Build(IReadOnlyList<(byte[] Key, int Value)> entries)
    {
        var keys = entries.OrderBy(e => e.Key, ByteOrder.Instance).ToArray();
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i].Key.Length == 0 || Array.IndexOf(keys[i].Key, (byte)0) >= 0)
                throw new ArgumentException($"charsmap key {i} is empty or contains a NUL byte; darts-clone keys are NUL-terminated strings.");
            if (keys[i].Value < 0) throw new ArgumentException($"charsmap value {keys[i].Value} is negative.");
            if (i > 0 && keys[i].Key.AsSpan().SequenceEqual(keys[i - 1].Key)) throw new ArgumentException("charsmap keys must be distinct.");
        }
        var dawg = new Dawg();
        int root = keys.Length > 0 ? dawg.Add(keys, 0, keys.Length, 0) : -1;
        var b = new Placer(dawg.Nodes);
        if (root >= 0) b.Place(0, root);
        return b.Units[..b.Size];
    }

    /// <summary>Minimizes the trie bottom-up: a node equal to one built before (value and children) is that node.</summary>
    sealed class Dawg
    {
        public readonly List<Node> Nodes = [];
        readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

        public int Add((byte[] Key, int Value)[] keys, int lo, int hi, int depth)
        {
            int value = -1;
            if (keys[lo].Key.Length == depth) value = keys[lo++].Value; // sorted: the key that ends here comes first
            var labels = new List<byte>();
            var children = new List<int>();
            for (int start = lo; start < hi;)
            {
                byte c = keys[start].Key[depth];
                int end = start;
                while (end < hi && keys[end].Key[depth] == c) end++;
                labels.Add(c);
                children.Add(Add(keys, start, end, depth + 1));
                start = end;
            }
            var signature = $"{value}:{Convert.ToHexString([.. labels])}:{string.Join(',', children)}";
            if (_ids.TryGetValue(signature, out int id)) return id;
            Nodes.Add(new Node(value, [.. labels], [.. children]));
            return _ids[signature] = Nodes.Count - 1;
        }
    }

    sealed class Placer(List<Node> nodes)
    {
        public uint[] Units = new uint[BlockSize];
        public int Size = BlockSize;
        bool[] _fixed = new bool[BlockSize], _baseUsed = new bool[BlockSize];
        readonly int[] _baseOf = Enumerable.Repeat(-1, nodes.Count).ToArray();
        readonly FreeCells _free = Root();

        static FreeCells Root()
        {
            var f = new FreeCells();
            f.Grow(0, BlockSize);
            return f;
        }

        /// <summary>Points the unit at <paramref name="p"/> (its label already set) at node <paramref name="id"/>'s children, placing them first if new.</summary>
        public void Place(int p, int id)
        {
            if (p == 0) { _fixed[0] = true; _free.Take(0); }
            var node = nodes[id];
            if (node.Value >= 0) Units[p] |= 1u << 8;
            if (_baseOf[id] >= 0) { SetOffset(p, _baseOf[id]); return; }
            Span<int> labels = stackalloc int[257];
            int count = 0;
            if (node.Value >= 0) labels[count++] = 0;
            foreach (byte c in node.Labels) labels[count++] = c;
            int bas = FindBase(p, labels[..count]);
            _baseOf[id] = bas;
            _baseUsed[bas] = true;
            SetOffset(p, bas);
            for (int k = 0; k < count; k++) { _fixed[bas ^ labels[k]] = true; _free.Take(bas ^ labels[k]); }
            if (node.Value >= 0) Units[bas] = (uint)node.Value | LeafBit;
            for (int k = 0; k < node.Labels.Length; k++)
            {
                int child = bas ^ node.Labels[k];
                Units[child] = node.Labels[k];
                Place(child, node.Children[k]);
            }
        }

        void SetOffset(int p, int bas)
        {
            int rel = p ^ bas;
            if (rel < 1 << 21) Units[p] |= (uint)rel << 10;
            else if ((rel & 0xFF) == 0 && rel < 1 << 29) Units[p] |= ((uint)rel >> 8 << 10) | 1u << 9;
            else throw new InvalidOperationException($"charsmap trie offset {rel} cannot be encoded; the map is too large for darts-clone.");
        }

        int FindBase(int p, ReadOnlySpan<int> labels)
        {
            // Free cells of blocks that left the window are dropped for good, so a search never walks them again.
            int windowStart = Math.Max(0, Size - SearchBlocks * BlockSize);
            while (_free.Head >= 0 && _free.Head < windowStart) _free.Take(_free.Head);
            for (int pos = _free.Head; ; pos = _free.Next(pos))
            {
                if (pos < 0) { Grow(); pos = Size - BlockSize; }
                int bas = pos ^ labels[0];
                if (_baseUsed[bas] || !Encodable(p ^ bas)) continue;
                bool free = true;
                for (int k = 1; k < labels.Length && free; k++) free = !_fixed[bas ^ labels[k]];
                if (free) return bas;
            }
        }

        /// <summary>darts-clone stores an offset below 2^21 as is, or one below 2^29 with a zero low byte shifted by 8.</summary>
        static bool Encodable(int rel) => rel < 1 << 21 || ((rel & 0xFF) == 0 && rel < 1 << 29);

        void Grow()
        {
            int old = Size, size = Size + BlockSize;
            Array.Resize(ref Units, size);
            Array.Resize(ref _fixed, size);
            Array.Resize(ref _baseUsed, size);
            _free.Grow(old, size);
            Size = size;
        }
    }

    sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
