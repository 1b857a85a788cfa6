namespace Tsumugi.Datasets.Sft;

/// <summary>How SFT examples become rows (YAML <c>data.packing</c>).</summary>
public enum SftPacking
{
    /// <summary>Best-fit-decreasing into seq_length rows; position ids restart per example, attention stays inside it.</summary>
    Bfd,

    /// <summary>One example per row, padded to the longest of its batch; batches grouped by length within mega-batches.</summary>
    Padding,

    /// <summary>One example per row, padded, in random order (no length grouping).</summary>
    None,
}
