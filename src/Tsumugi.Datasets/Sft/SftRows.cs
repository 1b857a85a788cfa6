using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Training rows from a packing or batching plan. A row holds <c>rowLength</c> ids (seq_length + 1: the model shifts
/// the labels itself); labels are the ids where the example trains and −100 elsewhere, and always −100 on each
/// example's first token: unpacked, nothing predicts it, so packed, the previous example must not predict it either.
/// That, the per-example position ids and the block-diagonal mask (from <see cref="TrainingSample.DocumentLengths"/>)
/// make a packed row compute exactly what its examples compute one by one.
/// </summary>
public static class SftRows
{
    public static List<TrainingSample> FromPacking(SftPackingPlan plan, IReadOnlyList<SftTokenizedExample> examples, int rowLength, int padId)
    {
        var rows = new List<TrainingSample>(plan.Rows.Count);
        foreach (var row in plan.Rows)
        {
            var (tokens, labels) = Empty(rowLength, padId);
            foreach (var segment in row.Segments) Place(examples[segment.Example], segment.Offset, segment.Length, tokens, labels);
            rows.Add(new TrainingSample(tokens, labels, row.Segments.Select(s => s.Length).ToArray(), rowLength - row.Used, 0));
        }
        return rows;
    }

    /// <summary>One example per row, batch after batch in plan order (the loader trims each batch's shared padding).</summary>
    public static List<TrainingSample> FromBatches(SftBatchPlan plan, IReadOnlyList<SftTokenizedExample> examples, int rowLength, int padId)
    {
        var rows = new List<TrainingSample>();
        foreach (var batch in plan.Batches)
        {
            foreach (var index in batch)
            {
                var (tokens, labels) = Empty(rowLength, padId);
                var length = Math.Min(rowLength, examples[index].Length);
                Place(examples[index], 0, length, tokens, labels);
                rows.Add(new TrainingSample(tokens, labels, [length], rowLength - length, 0));
            }
        }
        return rows;
    }

    static (int[] Tokens, int[] Labels) Empty(int rowLength, int padId)
    {
        var tokens = new int[rowLength];
        var labels = new int[rowLength];
        Array.Fill(tokens, padId);
        Array.Fill(labels, SamplerOptions.IgnoreLabel);
        return (tokens, labels);
    }

    static void Place(SftTokenizedExample example, int offset, int length, int[] tokens, int[] labels)
    {
        for (var k = 0; k < length; k++)
        {
            tokens[offset + k] = example.Ids[k];
            if (k > 0 && example.Trained[k]) labels[offset + k] = example.Ids[k];
        }
    }
}
