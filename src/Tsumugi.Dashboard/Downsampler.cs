namespace Tsumugi.Dashboard;

/// <summary>
/// Cuts a series to at most N points for drawing, keeping its shape: the first and last points, and from each of
/// (N−2)/2 equal-width index buckets its minimum and its maximum, in x order. A one-step spike is the maximum of its
/// bucket, so it survives any reduction (an average or a stride would smooth it away).
/// </summary>
public static class Downsampler
{
    public const int MinPoints = 4;

    /// <summary>Indexes of the points kept, ascending; all of them when the series already fits.</summary>
    public static int[] Keep(ReadOnlySpan<double> y, int maxPoints)
    {
        var n = y.Length;
        if (n <= maxPoints) return [.. Enumerable.Range(0, n)];
        if (maxPoints < MinPoints) throw new ArgumentOutOfRangeException(nameof(maxPoints), $"at least {MinPoints} points are needed to keep the ends and one bucket's min and max.");
        var buckets = (maxPoints - 2) / 2;
        var kept = new List<int>(maxPoints) { 0 };
        var inner = n - 2; // indexes 1..n-2 are bucketed
        for (var b = 0; b < buckets; b++)
        {
            var from = 1 + (int)((long)inner * b / buckets);
            var to = 1 + (int)((long)inner * (b + 1) / buckets); // exclusive
            if (from >= to) continue;
            int lo = from, hi = from;
            for (var i = from + 1; i < to; i++)
            {
                if (y[i] < y[lo]) lo = i;
                if (y[i] > y[hi]) hi = i;
            }
            kept.Add(Math.Min(lo, hi));
            if (lo != hi) kept.Add(Math.Max(lo, hi));
        }
        kept.Add(n - 1);
        return [.. kept];
    }
}
