using System.Buffers;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// MinHash signatures over the set of character n-grams (whitespace ignored, so layout changes do not hide a
/// duplicate) and LSH band keys. Hash i of a shingle x is fmix32(a_i·x + b_i) with odd a_i from the seed, computed
/// eight lanes at a time. Band keys are XxHash64 of the band's rows. One instance per thread (scratch buffers).
/// </summary>
public sealed class MinHasher
{
    readonly MinHashOptions _options;
    readonly uint[] _a, _b, _mins;
    readonly int _padded;

    public MinHasher(MinHashOptions options)
    {
        _options = options;
        _padded = (options.Hashes + 7) / 8 * 8;
        _a = new uint[_padded];
        _b = new uint[_padded];
        _mins = new uint[_padded];
        var rng = new Random((int)options.Seed);
        for (int i = 0; i < _padded; i++)
        {
            _a[i] = (uint)rng.NextInt64(1, uint.MaxValue) | 1u;
            _b[i] = (uint)rng.NextInt64(0, uint.MaxValue);
        }
    }

    public MinHashOptions Options => _options;

    /// <summary>Fills <paramref name="bandKeys"/> (length = bands) for <paramref name="text"/>.</summary>
    public void BandKeys(ReadOnlySpan<char> text, Span<ulong> bandKeys)
    {
        var sig = Signature(text);
        int rows = _options.Rows;
        for (int band = 0; band < _options.Bands; band++)
            bandKeys[band] = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(sig.Slice(band * rows, rows)), band);
    }

    /// <summary>The signature (valid until the next call).</summary>
    public ReadOnlySpan<uint> Signature(ReadOnlySpan<char> text)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(text.Length, 1));
        try
        {
            int n = 0;
            foreach (char c in text) if (!char.IsWhiteSpace(c)) chars[n++] = c;
            _mins.AsSpan().Fill(uint.MaxValue);
            int k = _options.NGram;
            if (n < k) Add(Shingle(chars.AsSpan(0, n)));
            else for (int i = 0; i + k <= n; i++) Add(Shingle(chars.AsSpan(i, k)));
            return _mins.AsSpan(0, _options.Hashes);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint Shingle(ReadOnlySpan<char> s)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (char c in s) { h ^= c; h *= 0xff51afd7ed558ccdUL; h ^= h >> 29; }
        return (uint)(h ^ (h >> 32));
    }

    void Add(uint x)
    {
        var vx = Vector256.Create(x);
        var c1 = Vector256.Create(0x85ebca6bu);
        var c2 = Vector256.Create(0xc2b2ae35u);
        ref uint a = ref MemoryMarshal.GetArrayDataReference(_a);
        ref uint b = ref MemoryMarshal.GetArrayDataReference(_b);
        ref uint m = ref MemoryMarshal.GetArrayDataReference(_mins);
        for (int i = 0; i < _padded; i += 8)
        {
            var h = Vector256.LoadUnsafe(ref a, (nuint)i) * vx + Vector256.LoadUnsafe(ref b, (nuint)i);
            h ^= h >>> 16; h *= c1;
            h ^= h >>> 13; h *= c2;
            h ^= h >>> 16;
            Vector256.Min(Vector256.LoadUnsafe(ref m, (nuint)i), h).StoreUnsafe(ref m, (nuint)i);
        }
    }
}
