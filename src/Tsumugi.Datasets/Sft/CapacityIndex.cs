namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Open rows grouped by remaining capacity, with a segment tree over capacities (0..max) counting rows, so the
/// best-fit query "the row with the least room that still fits n" is O(log max) — TRL's BFD uses the same structure.
/// </summary>
internal sealed class CapacityIndex
{
    private readonly int _leaves;
    private readonly int[] _counts;
    private readonly Stack<int>?[] _rows;

    public CapacityIndex(int maxCapacity)
    {
        _leaves = 1;
        while (_leaves < maxCapacity + 1) _leaves <<= 1;
        _counts = new int[2 * _leaves];
        _rows = new Stack<int>?[maxCapacity + 1];
    }

    public void Add(int row, int capacity)
    {
        (_rows[capacity] ??= new Stack<int>()).Push(row);
        for (var node = _leaves + capacity; node > 0; node >>= 1) _counts[node]++;
    }

    /// <summary>Removes and returns a row with the smallest capacity ≥ <paramref name="needed"/>, or -1 when none fits.</summary>
    public int TakeBestFit(int needed, out int capacity)
    {
        capacity = needed < _rows.Length ? Find(1, 0, _leaves - 1, needed) : -1;
        if (capacity < 0) return -1;
        for (var node = _leaves + capacity; node > 0; node >>= 1) _counts[node]--;
        return _rows[capacity]!.Pop();
    }

    private int Find(int node, int lo, int hi, int needed)
    {
        if (hi < needed || _counts[node] == 0) return -1;
        if (lo == hi) return lo;
        var mid = (lo + hi) / 2;
        var left = Find(2 * node, lo, mid, needed);
        return left >= 0 ? left : Find(2 * node + 1, mid + 1, hi, needed);
    }
}
