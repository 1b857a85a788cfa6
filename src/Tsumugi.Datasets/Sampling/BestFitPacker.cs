namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// Best-Fit-Decreasing bin packing (Ding et al. 2024; TRL <c>bfd_split</c>): chunks sorted by length, longest first,
/// each placed into the bin with the smallest remaining space that still fits, else a new bin. A segment tree over the
/// remaining-space values 1…capacity finds that bin in O(log capacity).
/// </summary>
internal static class BestFitPacker
{
    /// <summary>Assigns each chunk a bin; returns the bin count. Chunks of equal length keep their input order.</summary>
    public static int Pack(ReadOnlySpan<int> lengths, int capacity, Span<int> binOfChunk)
    {
        // Counting sort by length, descending, stable.
        var counts = new int[capacity + 2];
        foreach (var l in lengths)
        {
            if (l < 1 || l > capacity) throw new ArgumentOutOfRangeException(nameof(lengths), $"chunk length {l} is outside [1, {capacity}]");
            counts[l]++;
        }
        var next = new int[capacity + 2];
        for (int l = capacity, at = 0; l >= 1; l--)
        {
            next[l] = at;
            at += counts[l];
        }
        var sorted = new int[lengths.Length];
        for (var i = 0; i < lengths.Length; i++) sorted[next[lengths[i]]++] = i;

        var tree = new SpaceTree(capacity);
        var head = new int[capacity + 1];      // a bin with exactly this remaining space (stack via nextBin)
        Array.Fill(head, -1);
        var nextBin = new List<int>();
        var remaining = new List<int>();
        foreach (var chunk in sorted)
        {
            var length = lengths[chunk];
            var space = tree.SmallestAtLeast(length);
            int bin;
            if (space < 0)
            {
                bin = remaining.Count;
                remaining.Add(capacity);
                nextBin.Add(-1);
            }
            else
            {
                bin = head[space];
                head[space] = nextBin[bin];
                if (head[space] < 0) tree.Set(space, false);
            }
            binOfChunk[chunk] = bin;
            var left = remaining[bin] - length;
            remaining[bin] = left;
            if (left > 0)
            {
                nextBin[bin] = head[left];
                head[left] = bin;
                tree.Set(left, true);
            }
        }
        return remaining.Count;
    }

    /// <summary>Max-tree over leaves 0…capacity; leaf v holds v when some bin has exactly v tokens of space left.</summary>
    private sealed class SpaceTree
    {
        private readonly int _leaves;
        private readonly int[] _max;

        public SpaceTree(int capacity)
        {
            _leaves = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity + 1);
            _max = new int[2 * _leaves];
        }

        public void Set(int space, bool available)
        {
            var i = space + _leaves;
            _max[i] = available ? space : 0;
            for (i >>= 1; i >= 1; i >>= 1) _max[i] = Math.Max(_max[2 * i], _max[2 * i + 1]);
        }

        /// <summary>The smallest available space ≥ <paramref name="length"/>, or −1.</summary>
        public int SmallestAtLeast(int length)
        {
            if (_max[1] < length) return -1;
            var i = 1;
            // Leaf values equal their index, so the leftmost subtree whose max reaches length holds the smallest fit.
            while (i < _leaves) i = _max[2 * i] >= length ? 2 * i : 2 * i + 1;
            return i - _leaves;
        }
    }
}
