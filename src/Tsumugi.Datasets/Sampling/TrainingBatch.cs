namespace Tsumugi.Datasets.Sampling;

/// <summary>Rows stacked row-major into flat arrays, ready to become [BatchSize, RowLength] tensors.</summary>
public sealed class TrainingBatch
{
    public TrainingBatch(IReadOnlyList<TrainingSample> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("a batch needs at least one row", nameof(samples));
        Samples = samples;
        RowLength = samples[0].Tokens.Length;
        Tokens = new int[samples.Count * RowLength];
        Labels = new int[Tokens.Length];
        PositionIds = new int[Tokens.Length];
        SegmentIds = new int[Tokens.Length];
        DatasetIndices = new int[samples.Count];
        for (var r = 0; r < samples.Count; r++)
        {
            var s = samples[r];
            if (s.Tokens.Length != RowLength) throw new ArgumentException("rows differ in length", nameof(samples));
            s.Tokens.CopyTo(Tokens, r * RowLength);
            s.Labels.CopyTo(Labels, r * RowLength);
            s.GetPositionIds().CopyTo(PositionIds, r * RowLength);
            s.GetSegmentIds().CopyTo(SegmentIds, r * RowLength);
            DatasetIndices[r] = s.DatasetIndex;
        }
    }

    public IReadOnlyList<TrainingSample> Samples { get; }
    public int BatchSize => Samples.Count;
    public int RowLength { get; }
    public int[] Tokens { get; }
    public int[] Labels { get; }
    public int[] PositionIds { get; }
    /// <summary>Per-row document segment ids (see <see cref="TrainingSample.GetSegmentIds"/>) for attention reset.</summary>
    public int[] SegmentIds { get; }

    public int[] DatasetIndices { get; }

    /// <summary>Label positions that count towards the loss (not −100).</summary>
    public long LabelTokenCount => Labels.LongCount(l => l != SamplerOptions.IgnoreLabel);
}
