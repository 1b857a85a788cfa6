namespace Tsumugi.Tokenization.Trainers;

/// <summary>Sorts an index array on a few threads: contiguous slices sorted side by side, then merged in order.</summary>
static class ParallelSort
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int[] Sort(int[] order, Comparison<int> compare, int parts)
    {
        parts = order.Length < 8192 ? 1 : Math.Clamp(parts, 1, 64);
        var bounds = Enumerable.Range(0, parts + 1).Select(i => (int)((long)order.Length * i / parts)).ToArray();
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, i => order.AsSpan(bounds[i], bounds[i + 1] - bounds[i]).Sort(compare));
        for (int i = 1; i < parts; i++) order = Merge(order, bounds[i], bounds[i + 1], compare);
        return order;
    }

    /// <summary>Merges the sorted runs [0, mid) and [mid, end) of <paramref name="a"/> (ties: the first run first); the rest is copied.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static int[] Merge(int[] a, int mid, int end, Comparison<int> compare)
    {
        var r = new int[a.Length];
        int i = 0, j = mid, k = 0;
        while (i < mid && j < end) r[k++] = compare(a[j], a[i]) < 0 ? a[j++] : a[i++];
        while (i < mid) r[k++] = a[i++];
        while (j < end) r[k++] = a[j++];
        Array.Copy(a, end, r, end, a.Length - end);
        return r;
    }
}
