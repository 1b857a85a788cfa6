namespace Tsumugi.Datasets.Tokenize;

/// <summary>What <see cref="DatasetTokenizer"/> reads, with which tokenizer, and how it names the datasets it writes.</summary>
public sealed record TokenizeOptions
{
    /// <summary>
    /// Files, folders or globs. A folder holding <c>*.jsonl.zst</c> shards is a <c>corpus clean</c>/<c>dedup</c> output:
    /// only its shards are read (not plan.json, summary.json or rejected shards). Other folders give every file of a
    /// supported extension (text, HTML, JSONL/JSON(.gz/.zst), Parquet, code).
    /// </summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>Tokenizer directory (written by <c>tsumugi tokenizer train</c>; tokenizer.model is used) or a <c>.model</c> file.</summary>
    public required string Tokenizer { get; init; }

    /// <summary>Output directory for <c>NAME.bin</c>/<c>NAME.idx</c> and <c>manifest.json</c>.</summary>
    public required string Output { get; init; }

    /// <summary>One dataset with this name for every document; null = one dataset per domain.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Domain of documents whose record has no <c>domain</c> field (plain text, HTML, foreign JSONL); null = "default".
    /// With <see cref="Name"/>, also the domain recorded in the manifest.
    /// </summary>
    public string? Domain { get; init; }

    /// <summary>Worker threads. The output bytes do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>JSON field (and Parquet column) holding the text.</summary>
    public string TextField { get; init; } = "text";

    /// <summary>
    /// This process's task when the run is split over N tasks (<c>--shard</c>, a Slurm array, mpirun ranks); null or
    /// <see cref="Tsumugi.Corpus.Tasks.TaskShard.Whole"/> for one process.
    /// </summary>
    public Tsumugi.Corpus.Tasks.TaskShard? Task { get; init; }

    /// <summary>The <c>tsumugi data tokenize</c> command line that repeats this run (recorded while it runs, quoted for a POSIX shell).</summary>
    public string CommandLine()
    {
        var words = new List<string> { "tsumugi", "data", "tokenize", "--input" };
        words.AddRange(Inputs.Select(Quote));
        words.AddRange(["--tokenizer", Quote(Tokenizer), "--output", Quote(Output)]);
        if (Name is not null) words.AddRange(["--name", Quote(Name)]);
        if (Domain is not null) words.AddRange(["--domain", Quote(Domain)]);
        if (TextField != "text") words.AddRange(["--text-field", Quote(TextField)]);
        return string.Join(' ', words);
    }

    static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
