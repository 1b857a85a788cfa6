using Tsumugi.Composition.Methods;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// Uniform and normal draws from a <see cref="SplitMix64"/> stream keyed by (run seed, a name, an index): the same
/// key gives the same numbers whatever order tensors are written in, which is what keeps every MoE assembly
/// reproducible while streaming one tensor at a time.
/// </summary>
internal struct SeededRandom(ulong seed, string key, int index)
{
    SplitMix64 _bits = new(SplitMix64.For(seed, key, index));
    double? _spare;

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (_bits.Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public double NextNormal()
    {
        if (_spare is { } s) { _spare = null; return s; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble(); // u1 in (0, 1]: log stays finite
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(NextDouble() * n);
}
