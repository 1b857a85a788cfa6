using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Corpus.Reading;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// The books of a cleaning run (per shard, merged for the run). Characters are counted as read (after HTML
/// extraction), so both documents and characters balance: in = kept + rejected + errored.
/// </summary>
public sealed class RunStats
{
    public long FilesRead { get; set; }
    public long FilesSkipped { get; set; }
    /// <summary>Inputs that are not regular files (named pipes, sockets, devices): skipped, never opened.</summary>
    public long FilesNotRegular { get; set; }
    public long BytesIn { get; set; }
    public long DocsIn { get; set; }
    public long CharsIn { get; set; }
    public long DocsKept { get; set; }
    public long CharsKept { get; set; }
    /// <summary>Characters of the kept documents after normalisation (what is written).</summary>
    public long CharsOut { get; set; }
    public long DocsErrored { get; set; }
    public long CharsErrored { get; set; }
    public long InvalidBytes { get; set; }
    public Dictionary<string, StepCount> Rejected { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> StepSeconds { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Issues { get; set; } = new(StringComparer.Ordinal);
    public List<string> IssueSamples { get; set; } = [];
    public Dictionary<string, long> Domains { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Tiers { get; set; } = new(StringComparer.Ordinal);
    public double Seconds { get; set; }
    public int ShardsDone { get; set; }
    public int ShardsSkipped { get; set; }

    /// <summary>Set on a run's summary when filters rejected most documents: the top filters and where to look.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RejectionAdvice? MostlyRejected { get; set; }

    const int MaxSamples = 200;

    public long DocsRejected => Rejected.Values.Sum(r => r.Docs);
    public long CharsRejected => Rejected.Values.Sum(r => r.Chars);

    /// <summary>True when every input record is accounted for exactly once.</summary>
    public bool Balanced => DocsIn == DocsKept + DocsRejected + DocsErrored && CharsIn == CharsKept + CharsRejected + CharsErrored;

    public void AddIssue(ReadIssue issue)
    {
        Issues[issue.Kind] = Issues.GetValueOrDefault(issue.Kind) + (issue.Kind == "invalid_bytes" ? 1 : issue.Count);
        if (issue.Kind == "invalid_bytes") InvalidBytes += issue.Count;
        if (IssueSamples.Count < MaxSamples) IssueSamples.Add(issue.ToString());
    }

    public void AddTime(string step, long ticks) =>
        StepSeconds[step] = StepSeconds.GetValueOrDefault(step) + ticks / (double)System.Diagnostics.Stopwatch.Frequency;

    public void Merge(RunStats o)
    {
        FilesRead += o.FilesRead; FilesSkipped += o.FilesSkipped; FilesNotRegular += o.FilesNotRegular; BytesIn += o.BytesIn;
        DocsIn += o.DocsIn; CharsIn += o.CharsIn; DocsKept += o.DocsKept; CharsKept += o.CharsKept; CharsOut += o.CharsOut;
        DocsErrored += o.DocsErrored; CharsErrored += o.CharsErrored; InvalidBytes += o.InvalidBytes;
        foreach (var (k, v) in o.Rejected) { if (!Rejected.TryGetValue(k, out var c)) Rejected[k] = c = new(); c.Add(v.Docs, v.Chars); }
        foreach (var (k, v) in o.StepSeconds) StepSeconds[k] = StepSeconds.GetValueOrDefault(k) + v;
        foreach (var (k, v) in o.Issues) Issues[k] = Issues.GetValueOrDefault(k) + v;
        foreach (var (k, v) in o.Domains) Domains[k] = Domains.GetValueOrDefault(k) + v;
        foreach (var (k, v) in o.Tiers) Tiers[k] = Tiers.GetValueOrDefault(k) + v;
        foreach (var s in o.IssueSamples) if (IssueSamples.Count < MaxSamples) IssueSamples.Add(s);
        ShardsDone += o.ShardsDone; ShardsSkipped += o.ShardsSkipped;
    }

    public string ToJson() => JsonSerializer.Serialize(this, RunStatsJson.Books);

    public static RunStats FromJson(string json) => JsonSerializer.Deserialize<RunStats>(json, RunStatsJson.Books) ?? new RunStats();
}
