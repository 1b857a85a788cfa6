using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Best-fit-decreasing packing of examples (by token length) into rows of the sequence length, as TRL's
/// <c>packing_strategy: bfd</c>: longest first, each into the open row with the least room that still holds it, a new
/// row when none does. Pure arithmetic; the row order is shuffled with the seed so training does not see all long
/// examples first.
/// </summary>
public static class SftBestFitPacker
{
    public static SftPackingPlan Pack(IReadOnlyList<int> lengths, int seqLength, SftOverlong overlong, long seed)
    {
        if (seqLength < 1) throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength, "sequence length must be positive");
        var truncated = new List<int>();
        var skipped = new List<int>();
        var order = new List<(int Example, int Length)>(lengths.Count);
        for (var i = 0; i < lengths.Count; i++)
        {
            var length = lengths[i];
            if (length < 1) throw new ArgumentException($"example {i} has length {length}; every example holds at least one token", nameof(lengths));
            if (length > seqLength)
            {
                if (overlong == SftOverlong.Skip)
                {
                    skipped.Add(i);
                    continue;
                }
                truncated.Add(i);
                length = seqLength;
            }
            order.Add((i, length));
        }
        // Longest first; equal lengths in index order, so the plan depends on the lengths alone.
        order.Sort((a, b) => a.Length != b.Length ? b.Length.CompareTo(a.Length) : a.Example.CompareTo(b.Example));

        var rows = new List<List<SftPackedSegment>>();
        var open = new CapacityIndex(seqLength);
        foreach (var (example, length) in order)
        {
            var row = open.TakeBestFit(length, out var room);
            if (row < 0)
            {
                row = rows.Count;
                rows.Add([]);
                room = seqLength;
            }
            rows[row].Add(new SftPackedSegment(example, seqLength - room, length));
            if (room - length > 0) open.Add(row, room - length);
        }
        var shuffled = DeterministicRandom.For(seed, SftStreams.PackedRows).Permutation(rows.Count);
        return new SftPackingPlan(seqLength, shuffled.Select(r => new SftPackedRow(rows[r])).ToList(), truncated, skipped);
    }
}
