namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The held-out split of SFT examples (<see cref="RecordSplit"/>) keyed by the whole conversation: duplicates land on
/// the same side, so no copy of a validation example is trained on.
/// </summary>
public static class SftSplit
{
    public static (List<SftExample> Train, List<SftExample> Validation) Split(IReadOnlyList<SftExample> examples, double fraction, long seed) =>
        RecordSplit.Split(examples, fraction, seed, Key);

    /// <summary>The example's position in [0, 1) for this seed.</summary>
    public static double Unit(SftExample example, long seed) => RecordSplit.Unit(example, seed, Key);

    private static void Key(SftExample example, System.IO.Hashing.XxHash64 hash) => RecordSplit.AppendMessages(hash, example.Messages);
}
