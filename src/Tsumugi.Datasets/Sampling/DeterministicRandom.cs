namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// SplitMix64: a tiny generator whose output is fixed by this code, not by the runtime's <see cref="Random"/>, so a
/// seed gives the same shuffles on every .NET version and machine.
/// </summary>
public struct DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Mixes a seed with stream identifiers (dataset, epoch, purpose) into an independent generator.</summary>
    public static DeterministicRandom For(long seed, params ReadOnlySpan<long> stream)
    {
        var s = Mix((ulong)seed);
        foreach (var x in stream) s = Mix(s ^ (ulong)x * 0x9E3779B97F4A7C15UL);
        return new DeterministicRandom(s);
    }

    /// <summary>A seeded permutation of [0, n) when <paramref name="shuffle"/>, else the identity order.</summary>
    public static int[] Order(bool shuffle, int n, long seed, params ReadOnlySpan<long> stream)
    {
        if (shuffle) return For(seed, stream).Permutation(n);
        var identity = new int[n];
        for (var i = 0; i < n; i++) identity[i] = i;
        return identity;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, n) (Lemire multiply-shift; bias below 2^-32 for any n used here).</summary>
    public long NextInt64(long n) => (long)Math.BigMul(NextUInt64(), (ulong)n, out _);

    /// <summary>Fisher–Yates permutation of [0, n).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++) p[i] = i;
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)NextInt64(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
