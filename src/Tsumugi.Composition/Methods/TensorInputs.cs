namespace Tsumugi.Composition.Methods;

/// <summary>
/// One output tensor's inputs as a merge method sees them: float32 values per input model (a method may overwrite
/// them), which input is the base, and the parameters already evaluated for this tensor (mergekit's layer gradients
/// and filters applied). <see cref="Seed"/> is derived from the run's seed and the tensor name, so random methods give
/// the same result in any processing order.
/// </summary>
public sealed class TensorInputs
{
    public required string TensorName { get; init; }
    public required long[] Shape { get; init; }
    public required int Length { get; init; }
    public required float[][] Values { get; init; }
    /// <summary>Index into <see cref="Values"/> of the base model, or −1.</summary>
    public required int BaseIndex { get; init; }
    public required IReadOnlyList<IReadOnlyDictionary<string, object?>> ModelParameters { get; init; }
    public required IReadOnlyDictionary<string, object?> Parameters { get; init; }
    public ulong Seed { get; init; }

    public Span<float> Span(int model) => Values[model].AsSpan(0, Length);

    public double Number(string name) => Parameters[name] is { } v ? Convert(v, name) : throw Missing(name);
    public bool Flag(string name) => Parameters[name] switch { bool b => b, double d => d != 0, var v => throw Wrong(name, v) };
    public double ModelNumber(int model, string name) => ModelParameters[model][name] is { } v ? Convert(v, name) : throw Missing(name);

    double Convert(object value, string name) => value switch { double d => d, bool b => b ? 1 : 0, _ => throw Wrong(name, value) };
    InvalidDataException Missing(string name) => new($"tensor '{TensorName}': parameter '{name}' has no value.");
    InvalidDataException Wrong(string name, object? value) => new($"tensor '{TensorName}': parameter '{name}' is '{value}', expected a number or true/false.");
}

/// <summary>SplitMix64: a tiny, fast, seedable generator whose stream is fixed by its seed (DARE's Bernoulli masks).</summary>
public struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits, like a float32 draw.</summary>
    public float NextFloat() => (Next() >> 40) * (1f / (1 << 24));

    /// <summary>A seed for one tensor of one model: stable across runs and processing orders (FNV-1a of the name).</summary>
    public static ulong For(ulong runSeed, string tensorName, int model)
    {
        ulong h = 0xCBF2_9CE4_8422_2325UL;
        foreach (char c in tensorName) h = (h ^ c) * 0x0000_0100_0000_01B3UL;
        var mix = new SplitMix64(runSeed ^ h ^ ((ulong)model << 56));
        return mix.Next();
    }
}
