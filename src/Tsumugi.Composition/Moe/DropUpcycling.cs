namespace Tsumugi.Composition.Moe;

/// <summary>
/// Drop-Upcycling (Nakamura et al., ICLR 2025; <c>conversions/drop_upcycling.py</c>): in each layer, each expert
/// re-draws a random subset S of ⌊r·I⌋ intermediate channels — rows of w1 and w3 ([I, h]), columns of w2 ([h, I]) —
/// from N(μ, σ²) of the elements being replaced, and keeps the dense weights elsewhere. S is the same for w1, w3 and
/// w2 of one expert (a channel is re-drawn whole) and differs between experts and layers.
/// </summary>
internal static class DropUpcycling
{
    /// <summary>S for (layer, expert): the first ⌊ratio·I⌋ indices of a seeded permutation of 0..I−1, sorted.</summary>
    public static int[] Channels(ulong seed, int layer, int expert, int intermediate, double ratio)
    {
        int count = (int)Math.Floor(ratio * intermediate);
        if (count == 0) return [];
        var random = new SeededRandom(seed, $"drop-upcycling.layer{layer}", expert);
        var permutation = Enumerable.Range(0, intermediate).ToArray();
        for (int k = intermediate - 1; k > 0; k--) // Fisher–Yates
        {
            int j = random.NextInt(k + 1);
            (permutation[k], permutation[j]) = (permutation[j], permutation[k]);
        }
        var chosen = permutation[..count];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>Re-draws the channels of one expert matrix in place. <paramref name="channelsAreRows"/>: w1/w3 [I, h]
    /// (rows); otherwise w2 [h, I] (columns). μ and σ (unbiased, as torch.std) are those of the replaced elements.</summary>
    public static void Reinitialise(Span<float> matrix, int rows, int columns, int[] channels, bool channelsAreRows, ulong seed, string tensorName)
    {
        if (channels.Length == 0) return;
        var indices = Elements(rows, columns, channels, channelsAreRows).ToArray();
        double sum = 0, squares = 0;
        foreach (long i in indices) sum += matrix[(int)i];
        double mean = sum / indices.Length;
        foreach (long i in indices) squares += (matrix[(int)i] - mean) * (matrix[(int)i] - mean);
        double std = indices.Length > 1 ? Math.Sqrt(squares / (indices.Length - 1)) : 0;
        var random = new SeededRandom(seed, tensorName, 1);
        foreach (long i in indices) matrix[(int)i] = (float)(mean + std * random.NextNormal());
    }

    static IEnumerable<long> Elements(int rows, int columns, int[] channels, bool channelsAreRows)
    {
        if (channelsAreRows)
        {
            foreach (int r in channels)
                for (int c = 0; c < columns; c++) yield return (long)r * columns + c;
        }
        else
        {
            for (int r = 0; r < rows; r++)
                foreach (int c in channels) yield return (long)r * columns + c;
        }
    }
}
