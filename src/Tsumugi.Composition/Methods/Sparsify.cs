using System.Numerics.Tensors;

namespace Tsumugi.Composition.Methods;

/// <summary>
/// The task-vector sparsifiers of mergekit's <c>sparsify.py</c>, in place on a float span, with its l1 rescale
/// (masked × ‖τ‖₁/‖masked‖₁ when both exceed 1e-7 — not 1/density). Ranks by |τ| use selection (O(n), one scratch
/// array) rather than a full argsort; ties at a cut are kept in index order, where torch's order is unspecified.
/// </summary>
public static class Sparsify
{
    const double RescaleEps = 1e-7;

    public static void Apply(Sparsification method, Span<float> tau, double density, bool rescale, double gamma, ulong seed, float[] scratch)
    {
        if (method == Sparsification.None || density >= 1) return;
        double before = rescale ? L1(tau) : 0;
        int n = tau.Length;
        switch (method)
        {
            case Sparsification.Magnitude:
                int k = (int)(density * n);
                if (k <= 0) throw new InvalidDataException($"density {density} keeps no entry of a {n}-element tensor (mergekit asserts k > 0); raise density.");
                KeepRankBand(tau, n - k, n, scratch);
                break;
            case Sparsification.MagnitudeOutliers:
                int target = (int)(density * n);
                int top = (int)(gamma * n);
                int bottom = n - target - top;
                if (bottom < 0) { top += bottom; bottom = 0; }
                KeepRankBand(tau, bottom, n - top, scratch);
                break;
            case Sparsification.Random:
                var rng = new SplitMix64(seed);
                float p = (float)density;
                for (int i = 0; i < n; i++)
                    if (rng.NextFloat() >= p) tau[i] = 0;
                break;
        }
        if (!rescale) return;
        double after = L1(tau);
        if (before < RescaleEps || after < RescaleEps) return;
        TensorPrimitives.Multiply(tau, (float)(before / after), tau);
    }

    static double L1(ReadOnlySpan<float> values) => TensorPrimitives.SumOfMagnitudes(values);

    /// <summary>Zeroes every entry whose rank by ascending |value| lies outside [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static void KeepRankBand(Span<float> values, int from, int to, float[] scratch)
    {
        int n = values.Length;
        from = Math.Clamp(from, 0, n);
        to = Math.Clamp(to, 0, n);
        if (from == 0 && to == n) return;
        if (from >= to) { values.Clear(); return; }
        var abs = scratch.AsSpan(0, n);
        TensorPrimitives.Abs(values, abs);
        // The ends of the band need no selection: the smallest and largest |value| are a scan away.
        float high = to == n ? TensorPrimitives.Max<float>(abs) : Select(abs, to - 1);
        float low = from == 0 ? TensorPrimitives.Min<float>(abs) : Select(abs, from);
        // Entries strictly inside (low, high) are kept; of those equal to low/high, as many as their ranks allow.
        int belowLow = 0, equalLow = 0, belowHigh = 0;
        for (int i = 0; i < n; i++)
        {
            float a = Math.Abs(values[i]);
            if (a < low) belowLow++;
            else if (a == low) equalLow++;
            if (a < high) belowHigh++;
        }
        int keepLow = low == high ? to - from : Math.Min(belowLow + equalLow, to) - from;
        int keepHigh = low == high ? 0 : to - belowHigh;
        for (int i = 0; i < n; i++)
        {
            float a = Math.Abs(values[i]);
            bool keep = a > low && a < high
                || a == low && keepLow-- > 0
                || a == high && low != high && keepHigh-- > 0;
            if (!keep) values[i] = 0;
        }
    }

    /// <summary>The <paramref name="rank"/>-th smallest value (0-based); reorders <paramref name="values"/>.</summary>
    static float Select(Span<float> values, int rank)
    {
        int left = 0, right = values.Length - 1;
        while (right > left)
        {
            int mid = left + (right - left) / 2;
            float pivot = Median(values[left], values[mid], values[right]);
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j) { (values[i], values[j]) = (values[j], values[i]); i++; j--; }
            }
            if (rank <= j) right = j;
            else if (rank >= i) left = i;
            else return values[rank];
        }
        return values[rank];
    }

    static float Median(float a, float b, float c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
