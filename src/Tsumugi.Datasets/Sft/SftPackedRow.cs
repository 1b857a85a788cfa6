namespace Tsumugi.Datasets.Sft;

/// <summary>
/// A row of a packing plan: its examples back to back from position 0, padding after them. From it the engine builds
/// segment ids (the block-diagonal attention mask) and position ids that restart per example, as TRL's padding-free
/// collator does, so no example attends to or is conditioned on another.
/// </summary>
public sealed record SftPackedRow(IReadOnlyList<SftPackedSegment> Segments)
{
    /// <summary>Tokens of the row that belong to examples (the rest is padding).</summary>
    public int Used => Segments.Count == 0 ? 0 : Segments[^1].Offset + Segments[^1].Length;

    /// <summary>Per position: the segment's number within the row (0, 1, …), or -1 for padding.</summary>
    public int[] SegmentIds(int seqLength)
    {
        var ids = new int[seqLength];
        Array.Fill(ids, -1);
        for (var s = 0; s < Segments.Count; s++) Array.Fill(ids, s, Segments[s].Offset, Segments[s].Length);
        return ids;
    }

    /// <summary>Per position: the position within its example (restarting at 0 at each example), 0 for padding.</summary>
    public int[] PositionIds(int seqLength)
    {
        var ids = new int[seqLength];
        foreach (var segment in Segments)
            for (var i = 0; i < segment.Length; i++) ids[segment.Offset + i] = i;
        return ids;
    }
}
