using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Tsumugi.Composition.Methods;

/// <summary>
/// The task-vector sparsifiers of mergekit's <c>sparsify.py</c>, in place on a float span, with its l1 rescale
/// (masked × ‖τ‖₁/‖masked‖₁ when both exceed 1e-7 — not 1/density). Ranks by |τ| use a radix selection (O(n), no
/// copy) rather than a full argsort; ties at a cut are kept in index order, where torch's order is unspecified.
/// </summary>
public static class Sparsify
{
    const double RescaleEps = 1e-7;

    public static void Apply(Sparsification method, Span<float> tau, double density, bool rescale, double gamma, ulong seed)
    {
        if (method == Sparsification.None || density >= 1) return;
        double before = rescale ? L1(tau) : 0;
        int n = tau.Length;
        switch (method)
        {
            case Sparsification.Magnitude:
                int k = (int)(density * n);
                if (k <= 0) throw new InvalidDataException($"density {density} keeps no entry of a {n}-element tensor (mergekit asserts k > 0); raise density.");
                KeepRankBand(tau, n - k, n);
                break;
            case Sparsification.MagnitudeOutliers:
                int target = (int)(density * n);
                int top = (int)(gamma * n);
                int bottom = n - target - top;
                if (bottom < 0) { top += bottom; bottom = 0; }
                KeepRankBand(tau, bottom, n - top);
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
    public static void KeepRankBand(Span<float> values, int from, int to)
    {
        int n = values.Length;
        from = Math.Clamp(from, 0, n);
        to = Math.Clamp(to, 0, n);
        if (from == 0 && to == n) return;
        if (from >= to) { values.Clear(); return; }
        var bits = MemoryMarshal.Cast<float, uint>(values);
        uint low = SelectMagnitude(bits, from), high = SelectMagnitude(bits, to - 1);
        // Entries strictly inside (low, high) are kept; of those equal to low/high, as many as their ranks allow.
        int belowLow = 0, equalLow = 0, belowHigh = 0;
        foreach (uint b in bits)
        {
            uint a = b & AbsMask;
            if (a < low) belowLow++;
            else if (a == low) equalLow++;
            if (a < high) belowHigh++;
        }
        int keepLow = low == high ? to - from : Math.Min(belowLow + equalLow, to) - from;
        int keepHigh = low == high ? 0 : to - belowHigh;
        for (int i = 0; i < n; i++)
        {
            uint a = bits[i] & AbsMask;
            bool keep = a > low && a < high
                || a == low && keepLow-- > 0
                || a == high && low != high && keepHigh-- > 0;
            if (!keep) values[i] = 0;
        }
    }

    const uint AbsMask = 0x7FFF_FFFF;

    /// <summary>The bits of the <paramref name="rank"/>-th smallest |value| (0-based). The bits of a non-negative float
    /// order as the float does, so a two-pass radix select (high 16 bits, then low 16 within the bucket) finds it in
    /// linear time with no copy of the tensor.</summary>
    static uint SelectMagnitude(ReadOnlySpan<uint> bits, int rank)
    {
        var counts = new int[1 << 16];
        foreach (uint b in bits) counts[(b & AbsMask) >> 16]++;
        int bucket = 0;
        while (rank >= counts[bucket]) rank -= counts[bucket++];
        Array.Clear(counts);
        foreach (uint b in bits)
        {
            uint a = b & AbsMask;
            if (a >> 16 == bucket) counts[a & 0xFFFF]++;
        }
        int low = 0;
        while (rank >= counts[low]) rank -= counts[low++];
        return ((uint)bucket << 16) | (uint)low;
    }
}
