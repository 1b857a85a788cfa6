using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// <c>tsumugi data tokenize</c>: corpus files + tokenizer → Megatron indexed datasets (<c>NAME.bin</c>/<c>NAME.idx</c>,
/// one sequence per document, EOS appended, uint16 below 65,500 pieces else int32) and their manifest.json entries.
/// <para>
/// Like Megatron's <c>preprocess_data.py</c> with partitions: runs of consecutive input files (shards) are tokenized
/// on their own (in parallel, biggest first) into temporary datasets, which are then merged in input order by copying
/// their bytes (<see cref="IndexedDatasetWriter.AddDataset"/>). So the output is byte-identical for any thread count
/// and any grouping into shards, and a crash leaves only a <c>.tokenize-*</c> folder, never a half-written dataset
/// under its final name.
/// </para>
/// <para>
/// The run is recorded in manifest.json from its start to its last write (<see cref="TokenizeRun"/>): a folder that a
/// killed run left half-written is marked incomplete, names the datasets missing and the command that finishes it, and
/// the rerun deletes what the killed run left (its work folder, <c>NAME.bin.RANDOM.tmp</c>).
/// </para>
/// </summary>
public sealed partial class DatasetTokenizer(TokenizeOptions options)
{
    /// <summary>Target input bytes per shard, as in <c>corpus clean</c> (a larger single file is a shard of its own).</summary>
    const long ShardBytes = 64L << 20;

    public TokenizeResult Run(IProgress<TokenizeProgress>? progress = null)
    {
        if (options.Task is { IsPartial: true } task) return RunTask(task, progress);
        var clock = Stopwatch.StartNew();
        Validate();
        var source = TokenizerSource.Load(options.Tokenizer);
        var (files, sizes, skippedFiles) = InputFiles();
        var output = Path.GetFullPath(options.Output);
        Directory.CreateDirectory(output);
        // Registered in manifest.json before anything is written: until Finish, training refuses the folder.
        using var run = TokenizeRun.Start(output, options.CommandLine());
        // Consecutive files are grouped into shards balanced by bytes (the corpus stage's plan), at least four per
        // thread for balance, so a corpus of many small files does not pay for a temporary dataset (two fsyncs) each,
        // while a corpus of large shards gets one work item per file.
        var shards = ShardPlan.Create(files, ShardBytes, options.Threads * 4).Shards;
        var outcomes = TokenizeFiles(source, files, sizes, shards, Enumerable.Range(0, shards.Count).ToList(), run.WorkDirectory, progress);
        var read = new TokenizeProgress(files.Count, files.Count, sizes.Sum(), sizes.Sum(), outcomes.Sum(o => o.Documents), outcomes.Sum(o => o.Tokens));
        var datasets = Merge(source, outcomes, output, run, read, progress);
        run.Finish();
        return Summarize(source, files, sizes, skippedFiles, outcomes, datasets, output, clock.Elapsed.TotalSeconds) with
        {
            LeftoversRemoved = run.LeftoversRemoved,
        };
    }

    void Validate()
    {
        if (options.Inputs.Count == 0) throw new ArgumentException("no input: pass --input PATH...");
        if (options.Threads < 1) throw new ArgumentException($"--threads {options.Threads}: use 1 or more");
        if (options.Name is { } name && !DatasetNames.IsValid(name))
            throw new ArgumentException($"--name '{name}': use letters, digits, '.', '_' or '-' (it becomes {name}.bin / {name}.idx), not starting with '.' or '-'");
        if (string.IsNullOrWhiteSpace(options.TextField)) throw new ArgumentException("--text-field must name a JSON field");
    }

    /// <summary>Tokenizes the <paramref name="selected"/> shards (the others' outcomes stay null) into <paramref name="temp"/>.</summary>
    /// <summary>The input files in order, their sizes, and how many files were skipped by extension; none is an error.</summary>
    (List<string> Files, long[] Sizes, int Skipped) InputFiles()
    {
        var files = InputSelection.Expand(options.Inputs, out var skipped);
        if (files.Count == 0)
            throw new FileNotFoundException($"no input files to read in {string.Join(", ", options.Inputs)}; pass .jsonl.zst shards, JSONL/JSON(.gz/.zst), Parquet, text or HTML files, or folders of them");
        return (files, files.Select(f => new FileInfo(f).Length).ToArray(), skipped);
    }

    ShardOutcome[] TokenizeFiles(TokenizerSource source, List<string> files, long[] sizes, List<List<int>> shards, List<int> selected, string temp,
        IProgress<TokenizeProgress>? progress)
    {
        var shardSizes = shards.Select(s => s.Sum(i => sizes[i])).ToArray();
        var worker = new ShardTokenizer(source.Tokenizer, options, temp);
        var outcomes = new ShardOutcome[shards.Count];
        long totalBytes = selected.Sum(k => shardSizes[k]), bytesDone = 0, documents = 0, tokens = 0;
        int filesTotal = selected.Sum(k => shards[k].Count);
        int filesDone = 0, active = 0;
        void Report() => progress?.Report(new TokenizeProgress(Volatile.Read(ref filesDone), filesTotal, Interlocked.Read(ref bytesDone),
            totalBytes, Interlocked.Read(ref documents), Interlocked.Read(ref tokens)));
        // Threads a shard may use for its next batch: its share of the run's threads among the shards still running,
        // so the last big shard gets every core once the others are done.
        int Share() => Math.Max(1, options.Threads / Math.Max(1, Volatile.Read(ref active)));

        // Biggest shards first, one shard per worker at a time (no chunking), for the best balance at the end.
        var order = selected.OrderByDescending(i => shardSizes[i]).ThenBy(i => i).ToArray();
        try
        {
            Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, k =>
                {
                    var paths = shards[k].Select(i => files[i]).ToList();
                    Interlocked.Increment(ref active);
                    try
                    {
                        outcomes[k] = worker.Tokenize(k, paths, Share,
                            (d, t) =>
                            {
                                Interlocked.Add(ref documents, d);
                                Interlocked.Add(ref tokens, t);
                                Report();
                            },
                            file =>
                            {
                                Interlocked.Add(ref bytesDone, sizes[shards[k][file]]);
                                Interlocked.Increment(ref filesDone);
                                Report();
                            });
                    }
                    finally
                    {
                        Interlocked.Decrement(ref active);
                    }
                });
        }
        catch (AggregateException e)
        {
            // Report the first real failure (disk full, permission denied …) as itself, not as "one or more errors".
            ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions[0]).Throw();
        }
        return outcomes;
    }

    /// <summary>
    /// Concatenates the per-shard datasets of every name in input order into <c>OUTPUT/NAME</c>, recording each in the
    /// manifest as it is published.
    /// </summary>
    List<DatasetManifestEntry> Merge(TokenizerSource source, ShardOutcome[] outcomes, string output, TokenizeRun run, TokenizeProgress read,
        IProgress<TokenizeProgress>? progress)
    {
        var entries = new List<DatasetManifestEntry>();
        var names = outcomes.SelectMany(o => o.Parts.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        run.Plan(names);
        foreach (var name in names)
        {
            using var writer = new IndexedDatasetWriter(Path.Combine(output, name), new IndexedDatasetWriterOptions
            {
                VocabularySize = source.Tokenizer.VocabSize, EosId = source.Tokenizer.EosId,
                TokenizerHash = source.Hash, Domain = DomainOf(name, outcomes), WriteManifest = false,
            });
            var parts = 0;
            foreach (var outcome in outcomes)
            {
                if (!outcome.Parts.TryGetValue(name, out var part)) continue;
                using (var dataset = IndexedDataset.Open(part)) writer.AddDataset(dataset);
                progress?.Report(read with { Merging = name, PartsMerged = ++parts });
            }
            var entry = writer.Complete();
            run.Published(entry);
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>
    /// A per-domain dataset is named after its domain. A <c>--name</c> dataset records <c>--domain</c>, else the one
    /// domain all its records share, else none (a mixture has no single domain).
    /// </summary>
    string? DomainOf(string name, ShardOutcome[] outcomes)
    {
        if (options.Name is null) return name;
        if (options.Domain is { } domain) return DatasetNames.FromDomain(domain);
        var labels = outcomes.SelectMany(o => o.RecordDomains).Distinct().Take(2).ToList();
        return labels.Count == 1 && !outcomes.Any(o => o.UnlabelledDocuments) ? labels[0] : null;
    }

    TokenizeResult Summarize(TokenizerSource source, List<string> files, long[] sizes, int skippedFiles, ShardOutcome[] outcomes,
        List<DatasetManifestEntry> datasets, string output, double seconds)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, n) in outcomes.SelectMany(o => o.IssueCounts)) counts[kind] = counts.GetValueOrDefault(kind) + n;
        return new TokenizeResult
        {
            Datasets = datasets,
            OutputDirectory = output,
            TokenizerHash = source.Hash,
            Files = files.Count,
            FilesSkipped = skippedFiles,
            InputBytes = sizes.Sum(),
            Documents = outcomes.Sum(o => o.Documents),
            Tokens = outcomes.Sum(o => o.Tokens),
            EmptyDocuments = outcomes.Sum(o => o.Empty),
            ErroredRecords = outcomes.Sum(o => o.Errored),
            IssueCounts = counts,
            IssueSamples = outcomes.SelectMany(o => o.IssueSamples).Take(ShardOutcome.MaxSamples).ToList(),
            Threads = options.Threads,
            Seconds = seconds,
        };
    }
}
