using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tsumugi.Corpus.Text;

/// <summary>
/// Counts n-grams of characters or of token ids by 64-bit hash, reusing one dictionary across documents (Clear keeps
/// the capacity) so filters do not allocate per document. Hash collisions at 64 bits are negligible for ratios.
/// </summary>
public sealed class NGramCounter
{
    public Dictionary<ulong, int> Counts { get; } = new();
    public int Total { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Mix(ulong h)
    {
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    public void CountChars(ReadOnlySpan<char> text, int n)
    {
        Counts.Clear();
        Total = 0;
        for (int i = 0; i + n <= text.Length; i++)
        {
            ulong h = (ulong)n;
            for (int j = 0; j < n; j++) h = Mix(h ^ text[i + j]) + (ulong)j;
            Add(h);
        }
    }

    public void CountTokens(ReadOnlySpan<ulong> tokens, int n)
    {
        Counts.Clear();
        Total = 0;
        for (int i = 0; i + n <= tokens.Length; i++)
        {
            ulong h = (ulong)n;
            for (int j = 0; j < n; j++) h = Mix(h ^ tokens[i + j]) + (ulong)j;
            Add(h);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Add(ulong h)
    {
        ref int c = ref CollectionsMarshal.GetValueRefOrAddDefault(Counts, h, out _);
        c++;
        Total++;
    }

    /// <summary>Largest single n-gram count.</summary>
    public int MaxCount()
    {
        int m = 0;
        foreach (var c in Counts.Values) if (c > m) m = c;
        return m;
    }
}
