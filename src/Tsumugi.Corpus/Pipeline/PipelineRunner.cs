using System.Diagnostics;
using Tsumugi.Common;
using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Shards;
using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// Runs a cleaning pipeline: plans shards, processes the shards assigned to this task (<c>--shard i/N</c>) on
/// <see cref="PipelineConfig.Workers"/> threads, one shard per thread at a time (streaming: a shard holds one
/// document in flight), writes each shard aside and publishes it when complete (<see cref="AtomicFile"/>), then a
/// <c>shard-NNNNN.done.json</c> with the shard's books. A rerun skips shards that have their done file. A task of a
/// split run (<c>--shard i/N</c>, a Slurm array element, an mpirun rank) also records its books in <see cref="Ledger"/>;
/// the last task to finish merges them into summary.json.
/// </summary>
public sealed class PipelineRunner(PipelineConfig config)
{
    public const string PlanFile = "plan.json";
    public const string SummaryFile = "summary.json";
    /// <summary>Least time between two per-file progress reports (every shard's end is reported too).</summary>
    public const int ReportEveryMs = 100;

    public RunStats Run(IProgress<RunProgress>? progress = null, CancellationToken cancel = default)
    {
        if (config.Inputs.Count == 0) throw new ArgumentException("no input: pass --input PATH (files, folders or globs) or set 'input:' in the config");
        if (string.IsNullOrEmpty(config.Output)) throw new ArgumentException("no output folder: pass --output DIR or set 'output:' in the config");
        config.BuildSteps(); // validate before touching the disk
        var total = Stopwatch.StartNew();
        var files = InputFiles.Expand(config.Inputs, out int skipped, out int notRegular);
        Directory.CreateDirectory(config.Output);
        var plan = ShardPlan.Create(files, config.ShardBytes, config.MinShards);
        var planPath = Path.Combine(config.Output, PlanFile);
        if (File.Exists(planPath))
        {
            var previous = ShardPlan.FromJson(File.ReadAllText(planPath));
            if (!previous.SameInput(plan))
                throw new InvalidOperationException($"{planPath}: the output folder holds a run over different input files; use a new --output folder or delete this one to start over");
        }
        else AtomicFile.WriteAllText(planPath, plan.ToJson());

        if (Ledger is { } ledger)
        {
            ledger.Open(); // a re-submission with another task count stops here, before touching any shard
            if (ledger.IsDone(config.ShardIndex))
            {
                // A re-submitted array runs only its unfinished tasks: this one's books stay as they were.
                var previous = RunStats.FromJson(ledger.Stats(config.ShardIndex));
                previous.ShardsSkipped += previous.ShardsDone;
                previous.ShardsDone = 0;
                MergeIfComplete(ledger); // in case the task that found them all died before summary.json was written
                return previous;
            }
        }
        var mine = Enumerable.Range(0, plan.Shards.Count).Where(k => k % config.ShardCount == config.ShardIndex).ToList();
        DeleteLeftovers(mine);
        long bytesTotal = mine.Sum(k => plan.Shards[k].Sum(i => plan.Sizes[i]));
        long bytesDone = 0;
        int shardsDone = 0;
        var results = new RunStats[plan.Shards.Count];
        // Per-file progress at most every ReportEveryMs (shard ends always): a web corpus is thousands of small files,
        // and a report per file costs a thread-pool hand-off (Progress<T>) and a wake-up each, on a second core.
        long lastReport = Environment.TickCount64;
        Parallel.ForEach(mine, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, config.Workers), CancellationToken = cancel }, k =>
        {
            results[k] = RunShard(plan, k, progress is null ? null : b =>
            {
                long done = Interlocked.Add(ref bytesDone, b);
                long now = Environment.TickCount64, last = Volatile.Read(ref lastReport);
                if (now - last < ReportEveryMs || Interlocked.CompareExchange(ref lastReport, now, last) != last) return;
                progress.Report(new RunProgress(done, bytesTotal, Volatile.Read(ref shardsDone), mine.Count));
            });
            int sd = Interlocked.Increment(ref shardsDone);
            progress?.Report(new RunProgress(Interlocked.Read(ref bytesDone), bytesTotal, sd, mine.Count));
        });

        var summary = new RunStats();
        foreach (var k in mine) summary.Merge(results[k]);
        if (config.ShardIndex == 0)
        {
            summary.FilesSkipped += skipped;
            summary.FilesNotRegular += notRegular;
        }
        summary.Seconds = total.Elapsed.TotalSeconds;
        summary.MostlyRejected = RejectionAdvice.For(summary);
        var name = config.ShardCount == 1 ? SummaryFile : $"summary-{config.ShardIndex}-of-{config.ShardCount}.json";
        AtomicFile.WriteAllText(Path.Combine(config.Output, name), summary.ToJson());
        if (config.ShardCount > 1) FinishTask(summary);
        return summary;
    }

    /// <summary>The ledger of a run split into tasks (<c>OUTPUT/.tasks</c>); null for a single-process run.</summary>
    public TaskLedger? Ledger => config.ShardCount > 1 ? new TaskLedger(config.Output!, config.ShardCount) : null;

    /// <summary>
    /// Records this task's books in the ledger (datatrove-style completion marker), then, when it finds every task
    /// finished (it was the last, or the others finished meanwhile), merges their books into summary.json — the file a
    /// single-process run writes. Two tasks finishing together may both merge: they write the same bytes.
    /// </summary>
    void FinishTask(RunStats mine)
    {
        var ledger = Ledger!;
        ledger.MarkDone(config.ShardIndex, mine.ToJson());
        MergeIfComplete(ledger);
    }

    void MergeIfComplete(TaskLedger ledger)
    {
        if (!ledger.Complete) return;
        var all = new RunStats();
        for (int t = 0; t < ledger.Count; t++)
        {
            var task = RunStats.FromJson(ledger.Stats(t));
            all.Merge(task);
            all.Seconds = Math.Max(all.Seconds, task.Seconds); // tasks run side by side: the longest is the run's time
        }
        all.MostlyRejected = RejectionAdvice.For(all);
        AtomicFile.WriteAllText(Path.Combine(config.Output!, SummaryFile), all.ToJson());
    }

    static string ShardName(int k) => $"shard-{k:D5}";

    string DonePath(int k) => Path.Combine(config.Output!, ShardName(k) + ".done.json");

    /// <summary>
    /// Deletes what a killed run left of the shards this task is about to write: their temporaries (each writer draws
    /// a new name, so nothing else would ever remove them). Other tasks' shards (<c>--shard</c>) are not touched: they
    /// may be being written right now.
    /// </summary>
    void DeleteLeftovers(List<int> mine)
    {
        var redo = mine.Where(k => !File.Exists(DonePath(k))).Select(ShardName).ToHashSet(StringComparer.Ordinal);
        foreach (var dir in new[] { config.Output!, config.KeepRejected })
            if (dir is not null)
                foreach (var (temporary, path) in AtomicFile.Leftovers(dir))
                    if (redo.Contains(Path.GetFileName(path).Split('.')[0])) File.Delete(temporary);
    }

    RunStats RunShard(ShardPlan plan, int k, Action<long>? advanced)
    {
        string output = config.Output!;
        var donePath = DonePath(k);
        if (File.Exists(donePath))
        {
            var previous = RunStats.FromJson(File.ReadAllText(donePath));
            previous.ShardsDone = 0;
            previous.ShardsSkipped = 1;
            advanced?.Invoke(plan.Shards[k].Sum(i => plan.Sizes[i]));
            return previous;
        }
        var sw = Stopwatch.StartNew();
        var stats = new RunStats { ShardsDone = 1 };
        var steps = config.BuildSteps();
        var reader = new CorpusReader(config.Reader);
        var writers = new Dictionary<string, JsonlZstWriter>(StringComparer.Ordinal);
        JsonlZstWriter? rejected = config.KeepRejected is null ? null
            : new JsonlZstWriter(Path.Combine(config.KeepRejected, ShardName(k) + ".rejected.jsonl.zst"), config.ZstdLevel);
        try
        {
            JsonlZstWriter Writer(string domain)
            {
                var key = config.SplitByDomain ? domain : "";
                if (!writers.TryGetValue(key, out var w))
                {
                    var dir = config.SplitByDomain ? Path.Combine(output, domain) : output;
                    writers[key] = w = new JsonlZstWriter(Path.Combine(dir, ShardName(k) + ".jsonl.zst"), config.ZstdLevel);
                }
                return w;
            }
            if (!config.SplitByDomain) Writer(""); // an empty shard still gets its (empty) file

            foreach (var fileIndex in plan.Shards[k])
            {
                var file = plan.Files[fileIndex];
                stats.FilesRead++;
                stats.BytesIn += plan.Sizes[fileIndex];
                using var items = reader.Read(file).GetEnumerator();
                while (true)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    if (!items.MoveNext()) { stats.AddTime("read", Stopwatch.GetTimestamp() - t0); break; }
                    stats.AddTime("read", Stopwatch.GetTimestamp() - t0);
                    var item = items.Current;
                    if (item.Issue is { } issue)
                    {
                        stats.AddIssue(issue);
                        if (issue.IsRecord)
                        {
                            stats.DocsIn++;
                            stats.DocsErrored++;
                            rejected?.WriteIssue(issue);
                        }
                        continue;
                    }
                    Process(item.Document!, steps, stats, Writer, rejected);
                }
                advanced?.Invoke(plan.Sizes[fileIndex]);
            }
            foreach (var w in writers.Values) w.Commit();
            rejected?.Commit();
        }
        finally
        {
            foreach (var w in writers.Values) w.Dispose();
            rejected?.Dispose();
        }
        stats.Seconds = sw.Elapsed.TotalSeconds;
        AtomicFile.WriteAllText(donePath, stats.ToJson());
        return stats;
    }

    static void Process(Document doc, List<IPipelineStep> steps, RunStats stats, Func<string, JsonlZstWriter> writer, JsonlZstWriter? rejected)
    {
        stats.DocsIn++;
        stats.CharsIn += doc.InputChars;
        foreach (var step in steps)
        {
            long t0 = Stopwatch.GetTimestamp();
            string? reason;
            try
            {
                reason = step.Apply(doc);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                stats.AddTime(step.Name, Stopwatch.GetTimestamp() - t0);
                stats.DocsErrored++;
                stats.CharsErrored += doc.InputChars;
                stats.AddIssue(new ReadIssue("step_error", doc.Source.File, doc.Source.Line, $"step '{step.Name}' failed: {e.Message}", IsRecord: true));
                rejected?.Write(doc, $"error:{step.Name}: {e.Message}");
                return;
            }
            stats.AddTime(step.Name, Stopwatch.GetTimestamp() - t0);
            if (reason is null) continue;
            if (!stats.Rejected.TryGetValue(step.Name, out var count)) stats.Rejected[step.Name] = count = new StepCount();
            count.Add(1, doc.InputChars);
            if (rejected is not null)
            {
                long tr = Stopwatch.GetTimestamp();
                rejected.Write(doc, $"{step.Name}: {reason}");
                stats.AddTime("write_rejected", Stopwatch.GetTimestamp() - tr);
            }
            return;
        }
        stats.DocsKept++;
        stats.CharsKept += doc.InputChars;
        stats.CharsOut += doc.Text.Length;
        stats.Domains[doc.Domain] = stats.Domains.GetValueOrDefault(doc.Domain) + 1;
        stats.Tiers[doc.Quality] = stats.Tiers.GetValueOrDefault(doc.Quality) + 1;
        long t = Stopwatch.GetTimestamp();
        writer(doc.Domain).Write(doc);
        stats.AddTime("write", Stopwatch.GetTimestamp() - t);
    }
}
