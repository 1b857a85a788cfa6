namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Batches of one example per row, each padded to its longest member (<see cref="PaddedLengths"/>, capped at the
/// sequence length). Every example appears in exactly one batch unless listed in <see cref="Skipped"/>.
/// </summary>
public sealed record SftBatchPlan(IReadOnlyList<int[]> Batches, IReadOnlyList<int> PaddedLengths, long Tokens, IReadOnlyList<int> Truncated, IReadOnlyList<int> Skipped)
{
    /// <summary>Example tokens over all padded positions (1 = no padding).</summary>
    public double Efficiency
    {
        get
        {
            long positions = 0;
            for (var b = 0; b < Batches.Count; b++) positions += (long)Batches[b].Length * PaddedLengths[b];
            return positions == 0 ? 0 : (double)Tokens / positions;
        }
    }
}
