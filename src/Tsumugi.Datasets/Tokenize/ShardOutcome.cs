using Tsumugi.Corpus.Reading;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>What one shard (a run of consecutive input files) produced: a temporary dataset per name, and its books.</summary>
internal sealed class ShardOutcome
{
    /// <summary>Issues kept per shard for the report; the counts cover all of them.</summary>
    public const int MaxSamples = 20;

    /// <summary>Dataset name → prefix of this shard's temporary dataset.</summary>
    public Dictionary<string, string> Parts { get; } = new(StringComparer.Ordinal);

    /// <summary>Domain labels read from the records (for the manifest of a <c>--name</c> dataset).</summary>
    public SortedSet<string> RecordDomains { get; } = new(StringComparer.Ordinal);

    /// <summary>Some document had no domain of its own.</summary>
    public bool UnlabelledDocuments { get; set; }

    public long Documents { get; set; }
    public long Tokens { get; set; }
    public long Empty { get; set; }
    public long Errored { get; set; }
    public Dictionary<string, long> IssueCounts { get; } = new(StringComparer.Ordinal);
    public List<ReadIssue> IssueSamples { get; } = [];

    public void Add(ReadIssue issue)
    {
        IssueCounts[issue.Kind] = IssueCounts.GetValueOrDefault(issue.Kind) + issue.Count;
        if (issue.IsRecord) Errored += issue.Count;
        if (IssueSamples.Count < MaxSamples) IssueSamples.Add(issue);
    }
}
