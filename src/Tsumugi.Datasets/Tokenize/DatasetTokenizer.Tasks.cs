using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Shards;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// <c>data tokenize</c> as one of N tasks (Slurm array element, mpirun rank): the input is cut into shards by a plan
/// every task computes alike (<see cref="ShardPlan"/> with at least N shards, independent of threads); task r
/// tokenizes shards r, r+N, … into <c>OUTPUT/.tasks/parts</c> and records its books (<see cref="TaskLedger"/>); the
/// task that finds all N finished merges the parts in shard order exactly as a single process merges its own
/// per-shard datasets, so the datasets and manifest entries are byte-identical to a single-process run's.
/// </summary>
public sealed partial class DatasetTokenizer
{
    /// <summary>A task's books: the input it planned over and what each of its shards produced.</summary>
    sealed class TaskBooks
    {
        public List<string> Files { get; set; } = [];
        public List<ShardBooks> Shards { get; set; } = [];
        public double Seconds { get; set; }
    }

    sealed class ShardBooks
    {
        public int Shard { get; set; }
        public Dictionary<string, string> Parts { get; set; } = [];
        public List<string> RecordDomains { get; set; } = [];
        public bool UnlabelledDocuments { get; set; }
        public long Documents { get; set; }
        public long Tokens { get; set; }
        public long Empty { get; set; }
        public long Errored { get; set; }
        public Dictionary<string, long> IssueCounts { get; set; } = [];
        public List<ReadIssue> IssueSamples { get; set; } = [];

        public static ShardBooks From(int shard, ShardOutcome o) => new()
        {
            Shard = shard, Parts = o.Parts.ToDictionary(p => p.Key, p => Path.GetFileName(p.Value)), RecordDomains = [.. o.RecordDomains],
            UnlabelledDocuments = o.UnlabelledDocuments, Documents = o.Documents, Tokens = o.Tokens, Empty = o.Empty, Errored = o.Errored,
            IssueCounts = new(o.IssueCounts), IssueSamples = [.. o.IssueSamples],
        };

        public ShardOutcome ToOutcome(string partsFolder)
        {
            var o = new ShardOutcome { UnlabelledDocuments = UnlabelledDocuments, Documents = Documents, Tokens = Tokens, Empty = Empty, Errored = Errored };
            foreach (var (name, file) in Parts) o.Parts[name] = Path.Combine(partsFolder, file);
            foreach (var d in RecordDomains) o.RecordDomains.Add(d);
            foreach (var (k, v) in IssueCounts) o.IssueCounts[k] = v;
            o.IssueSamples.AddRange(IssueSamples);
            return o;
        }
    }

    static readonly JsonSerializerOptions BooksJson = new() { WriteIndented = true };

    /// <summary>Where the tasks' per-shard datasets wait for the merge.</summary>
    public static string PartsFolder(string output) => Path.Combine(output, TaskLedger.Folder, "parts");

    /// <summary>Written once the merged datasets are published (the parts are then deleted): a re-submitted job has nothing left to do.</summary>
    public static string MergedMarker(string output) => Path.Combine(output, TaskLedger.Folder, "merged");

    TokenizeResult RunTask(TaskShard task, IProgress<TokenizeProgress>? progress)
    {
        var clock = Stopwatch.StartNew();
        Validate();
        var source = TokenizerSource.Load(options.Tokenizer);
        var (files, sizes, skippedFiles) = InputFiles();
        var output = Path.GetFullPath(options.Output);
        Directory.CreateDirectory(output);
        var ledger = new TaskLedger(output, task.Count);
        ledger.Open();
        var parts = PartsFolder(output);
        // The plan depends on the input and N only, so every task (any node, any --threads) cuts the same shards.
        var shards = ShardPlan.Create(files, ShardBytes, task.Count).Shards;
        var mine = Enumerable.Range(0, shards.Count).Where(k => k % task.Count == task.Index).ToList();
        ShardOutcome[] outcomes;
        if (ledger.IsDone(task.Index) || File.Exists(MergedMarker(output))) outcomes = [];
        else
        {
            Directory.CreateDirectory(parts);
            outcomes = TokenizeFiles(source, files, sizes, shards, mine, parts, progress);
            var books = new TaskBooks { Files = files, Shards = mine.Select(k => ShardBooks.From(k, outcomes[k])).ToList(), Seconds = clock.Elapsed.TotalSeconds };
            ledger.MarkDone(task.Index, JsonSerializer.Serialize(books, BooksJson));
        }
        var mineOutcomes = outcomes.Where(o => o is not null).ToArray();
        var result = ledger.Complete ? MergeTasks(source, files, sizes, skippedFiles, ledger, shards.Count, output, progress, clock) : null;
        return (result ?? Summarize(source, files, sizes, skippedFiles, mineOutcomes, [], output, clock.Elapsed.TotalSeconds)) with
        {
            Task = task, MissingTasks = ledger.Missing(), TaskShards = mine.Count,
        };
    }

    /// <summary>
    /// Merges every task's parts into the datasets, once: under an exclusive lock (a second task finishing at the same
    /// moment leaves it to the first), and not at all once the merged marker exists. Null when this task did not merge.
    /// </summary>
    TokenizeResult? MergeTasks(TokenizerSource source, List<string> files, long[] sizes, int skippedFiles, TaskLedger ledger, int shardCount,
        string output, IProgress<TokenizeProgress>? progress, Stopwatch clock)
    {
        FileStream? mergeLock;
        try { mergeLock = new FileStream(Path.Combine(output, TaskLedger.Folder, "merge.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { return null; } // another task is merging
        using (mergeLock)
        {
            if (File.Exists(MergedMarker(output))) return null;
            var outcomes = new ShardOutcome[shardCount];
            for (int t = 0; t < ledger.Count; t++)
            {
                var books = JsonSerializer.Deserialize<TaskBooks>(ledger.Stats(t), BooksJson)
                    ?? throw new InvalidDataException($"{ledger.Directory}: task {t}'s books are empty; delete {Path.Combine(ledger.CompletionsFolder, t.ToString("D5"))} and re-submit that task");
                if (!books.Files.SequenceEqual(files))
                    throw new InvalidOperationException($"task {t} of {ledger.Count} tokenized other input files ({books.Files.Count} files) than this task ({files.Count}); " +
                                                        $"every task must be given the same --input; delete {Path.Combine(ledger.Directory, TaskLedger.Folder)} and re-submit the job");
                foreach (var shard in books.Shards) outcomes[shard.Shard] = shard.ToOutcome(PartsFolder(output));
            }
            if (Array.FindIndex(outcomes, o => o is null) is var gap and >= 0)
                throw new InvalidOperationException($"shard {gap} of {shardCount} is in no task's books; delete {Path.Combine(ledger.Directory, TaskLedger.Folder)} and re-submit the job");
            using var run = TokenizeRun.Start(output, options.CommandLine());
            var read = new TokenizeProgress(files.Count, files.Count, sizes.Sum(), sizes.Sum(), outcomes.Sum(o => o.Documents), outcomes.Sum(o => o.Tokens));
            var datasets = Merge(source, outcomes, output, run, read, progress);
            run.Finish();
            AtomicFile.WriteAllBytes(MergedMarker(output), []);
            Directory.Delete(PartsFolder(output), recursive: true);
            return Summarize(source, files, sizes, skippedFiles, outcomes, datasets, output, clock.Elapsed.TotalSeconds) with { TasksMerged = true };
        }
    }
}
