using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Corpus.Dedup.Distributed;

/// <summary>What one task of a distributed dedup stage did; <see cref="Summary"/> once the whole dedup is done.</summary>
public sealed record DedupStageResult(string Stage, TaskShard Task, bool Skipped, string Message)
{
    /// <summary>The merged books of all stages (also written as OUTPUT/dedup-summary.json) when this task finished the last filter task.</summary>
    public DedupStats? Summary { get; init; }

    /// <summary>Tasks of this stage still without a completion marker after this one finished.</summary>
    public IReadOnlyList<int> Missing { get; init; } = [];
}

/// <summary>Books of one signatures task (its shards' document counts feed the cluster stage's numbering).</summary>
public sealed class SignatureTaskStats
{
    public List<int> Files { get; set; } = [];
    public List<int> Docs { get; set; } = [];
    public List<long> Chars { get; set; } = [];
    public long Malformed { get; set; }
    public long Reused { get; set; }
    public int SpilledRuns { get; set; }
    public double Seconds { get; set; }
}

/// <summary>Books of one buckets or filter task.</summary>
public sealed class RecordTaskStats
{
    public int Units { get; set; }
    public long Records { get; set; }
    public long DocsKept { get; set; }
    public long CharsKept { get; set; }
    public double Seconds { get; set; }
}

/// <summary>
/// How the buckets stage splits the records: part 0 holds the exact records, part 1+b band b's; each part is cut into
/// <c>S = ⌈tasks / parts⌉</c> equal key ranges, so there are at least as many units as tasks. Unit u = (part u / S,
/// slice u mod S); task r handles the units u ≡ r (mod tasks). Units in index order are in record order, so the cluster
/// stage reads them one after another as a single sorted stream.
/// </summary>
public readonly record struct BucketUnits(int Parts, int Slices)
{
    public static BucketUnits For(int tasks, int bands)
    {
        int parts = bands + 1;
        return new BucketUnits(parts, (tasks + parts - 1) / parts);
    }

    public int Count => Parts * Slices;

    public int Part(int unit) => unit / Slices;

    /// <summary>The unit's keys: [Lo, Hi) of the 64-bit key space.</summary>
    public (UInt128 Lo, UInt128 Hi) Range(int unit)
    {
        int slice = unit % Slices;
        UInt128 space = (UInt128)1 << 64;
        return (space * (uint)slice / (uint)Slices, space * (uint)(slice + 1) / (uint)Slices);
    }
}
