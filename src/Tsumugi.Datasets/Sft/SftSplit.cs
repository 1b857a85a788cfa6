using System.IO.Hashing;
using System.Text;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The held-out split: an example goes to validation when a seeded hash of its content falls below the fraction. The
/// hash depends on the content only, so the split survives reordering and new files, and duplicates land on the same
/// side (no copy of a validation example is trained on).
/// </summary>
public static class SftSplit
{
    public static (List<SftExample> Train, List<SftExample> Validation) Split(IReadOnlyList<SftExample> examples, double fraction, long seed)
    {
        if (fraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "validation fraction must be in [0, 1)");
        var train = new List<SftExample>();
        var validation = new List<SftExample>();
        if (fraction == 0) return ([.. examples], validation);
        var lowest = -1;
        var lowestUnit = double.MaxValue;
        for (var i = 0; i < examples.Count; i++)
        {
            var unit = Unit(examples[i], seed);
            (unit < fraction ? validation : train).Add(examples[i]);
            if (unit < lowestUnit) (lowest, lowestUnit) = (i, unit);
        }
        // A small data set can hash nothing below the fraction: asked for a validation set, it still gets one example.
        if (validation.Count == 0 && examples.Count >= 2)
        {
            validation.Add(examples[lowest]);
            train.Remove(examples[lowest]);
        }
        return (train, validation);
    }

    /// <summary>The example's position in [0, 1) for this seed.</summary>
    public static double Unit(SftExample example, long seed)
    {
        var hash = new XxHash64(seed);
        Span<byte> separator = [0];
        foreach (var m in example.Messages)
        {
            hash.Append(Encoding.UTF8.GetBytes(m.Role));
            hash.Append(separator);
            hash.Append(Encoding.UTF8.GetBytes(m.Content));
            hash.Append(separator);
        }
        return (hash.GetCurrentHashAsUInt64() >> 11) * (1.0 / (1UL << 53));
    }
}
