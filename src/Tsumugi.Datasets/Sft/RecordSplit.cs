using System.IO.Hashing;
using System.Text;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The held-out split of any kind of record: a record goes to validation when a seeded hash of its key (written by the
/// caller: an SFT example's messages, a preference pair's prompt) falls below the fraction. The hash depends on the key
/// only, so the split survives reordering and new files, and records with the same key land on the same side.
/// </summary>
public static class RecordSplit
{
    /// <param name="key">Appends what identifies a record to the hash (<see cref="AppendMessages"/> helps).</param>
    public static (List<T> Train, List<T> Validation) Split<T>(IReadOnlyList<T> records, double fraction, long seed, Action<T, XxHash64> key)
    {
        if (fraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "validation fraction must be in [0, 1)");
        var train = new List<T>();
        var validation = new List<T>();
        if (fraction == 0) return ([.. records], validation);
        var units = new double[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            units[i] = Unit(records[i], seed, key);
            (units[i] < fraction ? validation : train).Add(records[i]);
        }
        // A small data set can hash nothing below the fraction: asked for a validation set, it still gets one record;
        // and it can hash everything below it: the record hashed highest is trained on, so training has data.
        if (records.Count >= 2 && validation.Count == 0) Move(records[ArgExtreme(units, lowest: true)], train, validation);
        else if (records.Count >= 2 && train.Count == 0) Move(records[ArgExtreme(units, lowest: false)], validation, train);
        return (train, validation);
    }

    /// <summary>The record's position in [0, 1) for this seed.</summary>
    public static double Unit<T>(T record, long seed, Action<T, XxHash64> key)
    {
        var hash = new XxHash64(seed);
        key(record, hash);
        return (hash.GetCurrentHashAsUInt64() >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Appends each message's role and content, each followed by a 0 byte so that boundaries count.</summary>
    public static void AppendMessages(XxHash64 hash, IEnumerable<SftMessage> messages)
    {
        Span<byte> separator = [0];
        foreach (var m in messages)
        {
            hash.Append(Encoding.UTF8.GetBytes(m.Role));
            hash.Append(separator);
            hash.Append(Encoding.UTF8.GetBytes(m.Content));
            hash.Append(separator);
        }
    }

    private static int ArgExtreme(double[] units, bool lowest)
    {
        var best = 0;
        for (var i = 1; i < units.Length; i++)
            if (lowest ? units[i] < units[best] : units[i] > units[best]) best = i;
        return best;
    }

    private static void Move<T>(T record, List<T> from, List<T> to)
    {
        from.Remove(record);
        to.Add(record);
    }
}
