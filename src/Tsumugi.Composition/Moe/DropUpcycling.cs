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
    /// (rows); otherwise w2 [h, I] (columns). μ and σ (unbiased, as torch.std) are those of the replaced elements.
    /// Visits the chosen elements in place (no index arrays), so the only memory is the matrix being written.</summary>
    public static void Reinitialise(Span<float> matrix, int rows, int columns, int[] channels, bool channelsAreRows, ulong seed, string tensorName)
    {
        if (channels.Length == 0) return;
        long count = (long)channels.Length * (channelsAreRows ? columns : rows);
        double sum = 0;
        ForEach(matrix, columns, rows, channels, channelsAreRows, (ref float v) => sum += v);
        double mean = sum / count, squares = 0;
        ForEach(matrix, columns, rows, channels, channelsAreRows, (ref float v) => squares += (v - mean) * (v - mean));
        double std = count > 1 ? Math.Sqrt(squares / (count - 1)) : 0;
        var random = new SeededRandom(seed, tensorName, 1);
        ForEach(matrix, columns, rows, channels, channelsAreRows, (ref float v) => v = (float)(mean + std * random.NextNormal()));
    }

    delegate void ElementAction(ref float value);

    // Rows: each chosen row is a contiguous run. Columns: row by row, the chosen columns (sorted) of that row.
    static void ForEach(Span<float> matrix, int columns, int rows, int[] channels, bool channelsAreRows, ElementAction action)
    {
        if (channelsAreRows)
        {
            foreach (int r in channels)
            {
                var row = matrix.Slice(r * columns, columns);
                for (int c = 0; c < row.Length; c++) action(ref row[c]);
            }
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                var row = matrix.Slice(r * columns, columns);
                foreach (int c in channels) action(ref row[c]);
            }
        }
    }
}
