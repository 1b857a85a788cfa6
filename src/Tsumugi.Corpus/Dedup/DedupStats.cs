using System.Text.Json;

namespace Tsumugi.Corpus.Dedup;

/// <summary>What the dedup stage did: documents in/kept, removed as exact or near duplicates, cluster sizes.</summary>
public sealed class DedupStats
{
    public long DocsIn { get; set; }
    public long CharsIn { get; set; }
    public long DocsKept { get; set; }
    public long CharsKept { get; set; }
    public long ExactDuplicates { get; set; }
    public long NearDuplicates { get; set; }
    public long MalformedLines { get; set; }
    public long SignaturesReused { get; set; }
    public int Clusters { get; set; }
    public int LargestCluster { get; set; }
    /// <summary>Cluster size → number of clusters of that size (clusters of one document are not listed).</summary>
    public SortedDictionary<int, int> ClusterSizes { get; set; } = new();
    public string Bands { get; set; } = "";
    /// <summary>The record memory budget of the run (<see cref="DedupOptions.MemoryBytes"/>).</summary>
    public long MemoryLimitBytes { get; set; }
    /// <summary>Sorted runs written to disk because the records did not fit the budget (0 = all in memory).</summary>
    public int SpilledRuns { get; set; }
    public double Seconds { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, CorpusJson.Options);
}
