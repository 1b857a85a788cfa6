using System.Collections;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// The keep-first rule (Doubri's) over records sorted by (key, order), and the clusters it forms, for documents
/// numbered 0..n−1 (<see cref="DocIndex"/>): in each group of equal exact hashes the first document is kept and the
/// others are exact duplicates; in each group of equal (band, key) the first document that is not an exact duplicate
/// owns the key and every later one is a near duplicate (once, however many bands match). Only groups of two or more
/// records decide anything, so a stream holding just those (what the distributed buckets stage keeps) decides the same.
/// Memory: 4 bytes per document (union-find parent) and 2 bits (flags).
/// </summary>
public sealed class DedupDecisions
{
    readonly int[] _parent;
    readonly BitArray _exactDup, _nearDup;

    public DedupDecisions(int documents)
    {
        _parent = new int[documents];
        for (int i = 0; i < documents; i++) _parent[i] = i;
        _exactDup = new BitArray(documents);
        _nearDup = new BitArray(documents);
    }

    public long ExactDuplicates { get; private set; }
    public long NearDuplicates { get; private set; }

    public bool Removed(int doc) => _exactDup[doc] || _nearDup[doc];

    /// <summary>Exact pass; <paramref name="sorted"/> ascending, <paramref name="doc"/> maps an order to a document number.</summary>
    public void Exact(IEnumerable<ExactRecord> sorted, Func<long, int> doc)
    {
        bool any = false;
        ExactRecord head = default;
        int owner = -1;
        foreach (var r in sorted)
        {
            int g = doc(r.Order);
            if (any && r.SameKey(head))
            {
                if (!_exactDup[g]) { _exactDup[g] = true; ExactDuplicates++; }
                Union(owner, g);
            }
            else { head = r; owner = g; any = true; }
        }
    }

    /// <summary>Near pass, after <see cref="Exact"/>; <paramref name="sorted"/> ascending by (band, key, order).</summary>
    public void Near(IEnumerable<BandRecord> sorted, Func<long, int> doc)
    {
        BandRecord head = default;
        bool any = false;
        int owner = -1;
        foreach (var r in sorted)
        {
            int g = doc(r.Order);
            if (_exactDup[g]) continue;
            if (any && r.SameKey(head))
            {
                Union(owner, g);
                if (!_nearDup[g]) { _nearDup[g] = true; NearDuplicates++; }
            }
            else { head = r; owner = g; any = true; }
        }
    }

    /// <summary>Fills the duplicate counts and the cluster census (clusters of two or more documents) of <paramref name="stats"/>.</summary>
    public void Census(DedupStats stats)
    {
        stats.ExactDuplicates = ExactDuplicates;
        stats.NearDuplicates = NearDuplicates;
        var sizes = new Dictionary<int, int>();
        for (int i = 0; i < _parent.Length; i++) { int r = Find(i); sizes[r] = sizes.GetValueOrDefault(r) + 1; }
        foreach (var size in sizes.Values.Where(v => v > 1))
        {
            stats.Clusters++;
            stats.ClusterSizes[size] = stats.ClusterSizes.GetValueOrDefault(size) + 1;
            stats.LargestCluster = Math.Max(stats.LargestCluster, size);
        }
    }

    /// <summary>Document numbers from orders: file f's documents are numbered from <paramref name="offsets"/>[f].</summary>
    public static Func<long, int> DocIndex(int[] offsets, bool newestFirst) =>
        order => { var (f, l) = DedupOrder.Decode(order, newestFirst); return offsets[f] + l; };

    /// <summary>Prefix sums of per-file document counts (length files + 1), checked against the array limit.</summary>
    public static int[] Offsets(IReadOnlyList<int> docsPerFile)
    {
        var offsets = new int[docsPerFile.Count + 1];
        for (int i = 0; i < docsPerFile.Count; i++)
        {
            long next = (long)offsets[i] + docsPerFile[i];
            if (next > Array.MaxLength) throw new InvalidOperationException($"dedup handles at most {Array.MaxLength:N0} documents per run; split the input folder");
            offsets[i + 1] = (int)next;
        }
        return offsets;
    }

    int Find(int x)
    {
        while (_parent[x] != x) { _parent[x] = _parent[_parent[x]]; x = _parent[x]; }
        return x;
    }

    void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra != rb) _parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }
}
