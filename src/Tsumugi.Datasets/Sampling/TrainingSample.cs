namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// One training row of <c>SequenceLength + 1</c> ids. <see cref="Labels"/> are the same ids (−100 on padding): the model
/// shifts internally, so they are never pre-shifted (the Swallow double-shift bug).
/// </summary>
public sealed class TrainingSample
{
    public TrainingSample(int[] tokens, int[] labels, int[] documentLengths, int paddingLength, int datasetIndex)
    {
        Tokens = tokens;
        Labels = labels;
        DocumentLengths = documentLengths;
        PaddingLength = paddingLength;
        DatasetIndex = datasetIndex;
    }

    public int[] Tokens { get; }
    public int[] Labels { get; }

    /// <summary>Lengths of the document pieces in row order (the first may be the tail of a document); padding excluded.</summary>
    public int[] DocumentLengths { get; }

    /// <summary>Padding slots at the end of the row (best-fit only).</summary>
    public int PaddingLength { get; }

    /// <summary>Index of the dataset in the mixture this row came from (per-domain loss).</summary>
    public int DatasetIndex { get; }

    /// <summary>Curriculum stage that drew this row.</summary>
    public int StageIndex { get; internal set; }

    /// <summary>
    /// Position ids that restart at 0 at every document start (Megatron <c>reset_position_ids</c>); padding counts on from 0
    /// as one more segment. Pair with a block-diagonal mask or <see cref="GetCumulativeLengths"/> for attention reset.
    /// </summary>
    public int[] GetPositionIds()
    {
        var positions = new int[Tokens.Length];
        var at = 0;
        foreach (var length in DocumentLengths)
        {
            for (var i = 0; i < length; i++) positions[at + i] = i;
            at += length;
        }
        for (var i = 0; at < positions.Length; i++, at++) positions[at] = i;
        return positions;
    }

    /// <summary>
    /// Segment id per position: 0 for the first document piece, 1 for the next, …; padding is one last segment of its own
    /// (so no attention row is empty). A block-diagonal causal mask is <c>seg[i] == seg[j] &amp;&amp; j ≤ i</c>.
    /// </summary>
    public int[] GetSegmentIds()
    {
        var segments = new int[Tokens.Length];
        var at = 0;
        for (var d = 0; d < DocumentLengths.Length; d++)
        {
            segments.AsSpan(at, DocumentLengths[d]).Fill(d);
            at += DocumentLengths[d];
        }
        segments.AsSpan(at).Fill(DocumentLengths.Length);
        return segments;
    }

    /// <summary>FlashAttention-varlen <c>cu_seqlens</c> for this row: 0, end of each document piece, (end of padding).</summary>
    public int[] GetCumulativeLengths()
    {
        var result = new int[DocumentLengths.Length + 1 + (PaddingLength > 0 ? 1 : 0)];
        for (var i = 0; i < DocumentLengths.Length; i++) result[i + 1] = result[i] + DocumentLengths[i];
        if (PaddingLength > 0) result[^1] = Tokens.Length;
        return result;
    }
}
