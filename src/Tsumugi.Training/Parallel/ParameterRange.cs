namespace Tsumugi.Training.Parallel;

/// <summary>
/// Elements [<see cref="Offset"/>, Offset + <see cref="Length"/>) of trainable parameter <see cref="Index"/>, flattened:
/// the unit of optimizer ownership. Without sharding every parameter is one whole range; ZeRO-1 gives each rank the
/// ranges of its blocks of the gradient buckets.
/// </summary>
public readonly record struct ParameterRange(int Index, long Offset, long Length)
{
    public long End => Offset + Length;

    public static IReadOnlyList<ParameterRange> Whole(IReadOnlyList<long> sizes) =>
        sizes.Select((n, i) => new ParameterRange(i, 0, n)).ToList();
}
