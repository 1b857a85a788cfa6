namespace Tsumugi.Training.Parallel;

/// <summary>
/// The trainable parameters laid end to end as one flat vector, cut into buckets of at most a fixed number of elements
/// (parameter boundaries ignored, Megatron's contiguous buffer), each bucket padded to a multiple of the world size.
/// A bucket is what one collective moves; with ZeRO-1 rank r owns block r of every bucket — the same blocks a
/// reduce-scatter delivers and an all-gather collects — and <see cref="Shard"/> maps them back to parameter ranges.
/// </summary>
internal sealed class GradientBuckets
{
    /// <summary>Flat elements [Start, Start + Length), sent as Padded elements (Padded = WorldSize × block).</summary>
    public sealed record Bucket(long Start, int Length, int Padded);

    private readonly long[] _sizes;
    private readonly long[] _starts; // flat offset of each parameter

    public GradientBuckets(IReadOnlyList<long> sizes, int worldSize, long bucketElements)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        // MPI counts are ints: a bucket (padded) must stay below 2³¹ elements.
        bucketElements = Math.Clamp(bucketElements, worldSize, (int.MaxValue / worldSize - 1) * (long)worldSize);
        WorldSize = worldSize;
        _sizes = sizes.ToArray();
        _starts = new long[_sizes.Length];
        for (var i = 1; i < _sizes.Length; i++) _starts[i] = _starts[i - 1] + _sizes[i - 1];
        var total = _sizes.Sum();
        var buckets = new List<Bucket>();
        for (long start = 0; start < total; start += bucketElements)
        {
            var length = (int)Math.Min(bucketElements, total - start);
            buckets.Add(new Bucket(start, length, (length + worldSize - 1) / worldSize * worldSize));
        }
        Buckets = buckets;
    }

    public int WorldSize { get; }
    public IReadOnlyList<Bucket> Buckets { get; }
    public int LargestPadded => Buckets.Count == 0 ? 0 : Buckets.Max(b => b.Padded);

    public static int Block(Bucket b, int worldSize) => b.Padded / worldSize;

    /// <summary>Rank <paramref name="rank"/>'s flat elements of bucket <paramref name="b"/> (its block, clipped at the padding).</summary>
    public (long Start, int Length) Owned(Bucket b, int rank)
    {
        var block = Block(b, WorldSize);
        var from = Math.Min((long)rank * block, b.Length);
        return (b.Start + from, (int)(Math.Min(from + block, b.Length) - from));
    }

    /// <summary>The parameter ranges covering flat elements [start, start + length), with each one's offset from <paramref name="start"/>.</summary>
    public IEnumerable<(ParameterRange Range, long At)> Pieces(long start, long length)
    {
        var end = start + length;
        var i = Array.BinarySearch(_starts, start);
        if (i < 0) i = ~i - 1;
        for (; i < _sizes.Length && _starts[i] < end; i++)
        {
            long from = Math.Max(start, _starts[i]), to = Math.Min(end, _starts[i] + _sizes[i]);
            if (from < to) yield return (new ParameterRange(i, from - _starts[i], to - from), from - start);
        }
    }

    /// <summary>The parameter ranges rank <paramref name="rank"/>'s optimizer owns under ZeRO-1.</summary>
    public IReadOnlyList<ParameterRange> Shard(int rank) =>
        Buckets.SelectMany(b => Owned(b, rank) is var (start, length) ? Pieces(start, length).Select(p => p.Range) : []).ToList();
}
