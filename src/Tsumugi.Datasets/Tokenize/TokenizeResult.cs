using Tsumugi.Corpus.Reading;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>The books of a <see cref="DatasetTokenizer"/> run: what was written, what was skipped and why, how fast.</summary>
public sealed record TokenizeResult
{
    /// <summary>The datasets written (also recorded in manifest.json), by name.</summary>
    public required IReadOnlyList<DatasetManifestEntry> Datasets { get; init; }

    public required string OutputDirectory { get; init; }

    /// <summary><c>sha256:</c> + hex digest of the tokenizer file used (tokenizer.model).</summary>
    public required string TokenizerHash { get; init; }

    /// <summary>Input files read.</summary>
    public int Files { get; init; }

    /// <summary>Files under input folders left out because of their extension.</summary>
    public int FilesSkipped { get; init; }

    /// <summary>Bytes of the input files as stored (compressed size for .gz/.zst).</summary>
    public long InputBytes { get; init; }

    /// <summary>Documents written (each one sequence ending in EOS).</summary>
    public long Documents { get; init; }

    /// <summary>Tokens written, EOS included.</summary>
    public long Tokens { get; init; }

    /// <summary>Documents with no text (empty or whitespace only): skipped.</summary>
    public long EmptyDocuments { get; init; }

    /// <summary>Input records that could not be read (malformed JSON, missing text field, truncated file, …): skipped.</summary>
    public long ErroredRecords { get; init; }

    /// <summary>Everything not written: <see cref="EmptyDocuments"/> + <see cref="ErroredRecords"/>.</summary>
    public long Skipped => EmptyDocuments + ErroredRecords;

    /// <summary>Problems by kind (<c>malformed_json</c>, <c>missing_field</c>, <c>truncated</c>, <c>invalid_bytes</c>, …).</summary>
    public required IReadOnlyDictionary<string, long> IssueCounts { get; init; }

    /// <summary>The first problems in input order, each with file and line.</summary>
    public required IReadOnlyList<ReadIssue> IssueSamples { get; init; }

    public int Threads { get; init; }

    /// <summary>Work folders and temporaries of killed runs in the output folder, deleted before this run wrote.</summary>
    public int LeftoversRemoved { get; init; }

    /// <summary>Wall time of the run: reading, encoding, writing and merging.</summary>
    public double Seconds { get; init; }

    /// <summary>The task this process ran when the run is split into tasks (<see cref="TokenizeOptions.Task"/>); null for one process.</summary>
    public Tsumugi.Corpus.Tasks.TaskShard? Task { get; init; }

    /// <summary>Shards of the plan this task tokenized (a split run).</summary>
    public int TaskShards { get; init; }

    /// <summary>Tasks without a completion marker when this one finished (a split run).</summary>
    public IReadOnlyList<int> MissingTasks { get; init; } = [];

    /// <summary>This task found every task finished and merged their parts into the datasets (<see cref="Datasets"/>, all documents).</summary>
    public bool TasksMerged { get; init; }

    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}
