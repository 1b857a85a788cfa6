namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Examples packed into rows of <see cref="SeqLength"/> tokens. Every example appears in exactly one row unless listed
/// in <see cref="Skipped"/>; <see cref="Truncated"/> lists those cut to the sequence length.
/// </summary>
public sealed record SftPackingPlan(int SeqLength, IReadOnlyList<SftPackedRow> Rows, IReadOnlyList<int> Truncated, IReadOnlyList<int> Skipped)
{
    /// <summary>Example tokens in all rows.</summary>
    public long Tokens => Rows.Sum(r => (long)r.Used);

    /// <summary>Example tokens over all row positions (1 = no padding).</summary>
    public double Efficiency => Rows.Count == 0 ? 0 : (double)Tokens / ((long)Rows.Count * SeqLength);
}
