using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Padding instead of packing, with the length grouping of HF's <c>LengthGroupedSampler</c>: a seeded shuffle, cut into
/// mega-batches of <c>batchSize × megabatchFactor</c> examples, each sorted by length and cut into batches, so a batch
/// holds similar lengths (little padding) while the order stays random. The batch with the longest example goes first,
/// so a run that would run out of memory does so at once. A factor of 1 is plain random batching (<c>packing: none</c>).
/// </summary>
public static class SftLengthGroupedBatcher
{
    public static SftBatchPlan Plan(IReadOnlyList<int> lengths, int batchSize, int megabatchFactor, int seqLength, SftOverlong overlong, long seed)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        if (megabatchFactor < 1) throw new ArgumentOutOfRangeException(nameof(megabatchFactor), megabatchFactor, "megabatch factor must be positive");
        if (seqLength < 1) throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength, "sequence length must be positive");
        var truncated = new List<int>();
        var skipped = new List<int>();
        var kept = new List<int>();
        for (var i = 0; i < lengths.Count; i++)
        {
            if (lengths[i] < 1) throw new ArgumentException($"example {i} has length {lengths[i]}; every example holds at least one token", nameof(lengths));
            if (lengths[i] <= seqLength) kept.Add(i);
            else if (overlong == SftOverlong.Skip) skipped.Add(i);
            else
            {
                truncated.Add(i);
                kept.Add(i);
            }
        }
        int Length(int example) => Math.Min(lengths[example], seqLength);

        var permutation = DeterministicRandom.For(seed, SftStreams.Batches).Permutation(kept.Count);
        var shuffled = permutation.Select(p => kept[p]).ToArray();
        var megabatch = batchSize * megabatchFactor;
        var batches = new List<int[]>();
        for (var start = 0; start < shuffled.Length; start += megabatch)
        {
            var group = shuffled[start..Math.Min(start + megabatch, shuffled.Length)];
            if (megabatchFactor > 1) Array.Sort(group, (a, b) => Length(a) != Length(b) ? Length(b).CompareTo(Length(a)) : a.CompareTo(b));
            for (var b = 0; b < group.Length; b += batchSize) batches.Add(group[b..Math.Min(b + batchSize, group.Length)]);
        }
        var padded = batches.Select(b => b.Max(Length)).ToList();
        if (batches.Count > 1)
        {
            var longest = padded.IndexOf(padded.Max());
            (batches[0], batches[longest]) = (batches[longest], batches[0]);
            (padded[0], padded[longest]) = (padded[longest], padded[0]);
        }
        var tokens = kept.Sum(e => (long)Length(e));
        return new SftBatchPlan(batches, padded, tokens, truncated, skipped);
    }
}
