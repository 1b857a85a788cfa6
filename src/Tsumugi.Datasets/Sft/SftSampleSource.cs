using System.IO.Hashing;
using System.Runtime.InteropServices;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// SFT rows held in memory (an instruction set is small next to a pretraining corpus) as an endless sample stream:
/// epoch e is the rows in an order fixed by the seed and e. Rows come in groups that stay together (a length-grouped
/// batch: <paramref name="groupSize"/> rows; 1 for packed rows); the order shuffles groups, and a last, smaller group
/// stays last so every other group still fills a whole batch.
/// </summary>
public sealed class SftSampleSource : ISampleSource
{
    private readonly IReadOnlyList<TrainingSample> _rows;
    private readonly int _groupSize;
    private readonly long _seed;
    private readonly bool _shuffle;
    private (long Epoch, int[] Order)? _order;

    public SftSampleSource(string name, IReadOnlyList<TrainingSample> rows, int groupSize, long seed, bool shuffle)
    {
        if (rows.Count == 0) throw new ArgumentException("no training rows: every example was rejected or held out", nameof(rows));
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        Name = name;
        _rows = rows;
        _groupSize = groupSize;
        _seed = seed;
        _shuffle = shuffle;
        SequenceLength = rows[0].Tokens.Length - 1;
        TokensPerEpoch = rows.Sum(r => (long)r.DocumentLengths.Sum());
        Identity = $"sft:{name}:{rows.Count}:{groupSize}:{seed}:{shuffle}:{ContentHash(rows):x16}";
    }

    public string Name { get; }
    public int DatasetIndex => 0;
    public int SequenceLength { get; }
    public long SamplesPerEpoch => _rows.Count;
    public long TokensPerEpoch { get; }
    public string Identity { get; }

    public TrainingSample GetSample(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var epoch = index / _rows.Count;
        return _rows[Order(epoch)[index % _rows.Count]];
    }

    private int[] Order(long epoch)
    {
        if (_order is { } cached && cached.Epoch == epoch) return cached.Order;
        var groups = (_rows.Count + _groupSize - 1) / _groupSize;
        var whole = _rows.Count / _groupSize; // groups of full size; a partial one, if any, stays last
        var groupOrder = DeterministicRandom.Order(_shuffle, whole, _seed, 0x5F7, epoch);
        var order = new int[_rows.Count];
        var at = 0;
        foreach (var g in groupOrder.Concat(Enumerable.Range(whole, groups - whole)))
            for (var r = g * _groupSize; r < Math.Min(_rows.Count, (g + 1) * _groupSize); r++) order[at++] = r;
        _order = (epoch, order);
        return order;
    }

    /// <summary>The rows' tokens and labels, so a resume with other data (same counts) is still refused.</summary>
    private static ulong ContentHash(IReadOnlyList<TrainingSample> rows)
    {
        var hash = new XxHash64();
        foreach (var row in rows)
        {
            hash.Append(MemoryMarshal.AsBytes(row.Tokens.AsSpan()));
            hash.Append(MemoryMarshal.AsBytes(row.Labels.AsSpan()));
        }
        return hash.GetCurrentHashAsUInt64();
    }
}
