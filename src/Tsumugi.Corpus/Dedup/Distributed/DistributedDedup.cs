using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Corpus.Dedup.Distributed;

/// <summary>
/// <c>corpus dedup</c> across nodes, in datatrove's four stages, so that no task holds every signature; each stage's
/// tasks are independent (Slurm array elements or mpirun ranks) and record a completion marker, so re-submitting a
/// stage runs only its unfinished tasks, and each stage refuses to start until the previous one is complete.
/// <list type="number">
/// <item><b>signatures</b> (any N): task r signs shards r, r+N, … (<see cref="DedupSigner"/>, as single-process dedup
///   does) and writes its exact records and each band's records sorted.</item>
/// <item><b>buckets</b> (any M): task r merges, for its units (<see cref="BucketUnits"/>: the exact records or one
///   band, one key range), the matching slice of every signatures task's file and keeps the records of repeated keys.</item>
/// <item><b>cluster</b> (one task): reads the units in order as one sorted stream and applies
///   <see cref="DedupDecisions"/> — the single-process rule itself — then writes each shard's removal list.</item>
/// <item><b>filter</b> (any K): task r rewrites shards r, r+K, … without the removed lines
///   (<see cref="DedupFiles.Rewrite"/>); the last task to finish writes OUTPUT/dedup-summary.json.</item>
/// </list>
/// The shards kept are byte-identical to single-process <see cref="Deduplicator"/>'s for any task counts.
/// </summary>
public sealed class DistributedDedup(DedupWork work, DedupOptions local)
{
    /// <summary>Stage 1: needs the input folder and the dedup settings (recorded for the other stages).</summary>
    public DedupStageResult Signatures(string input, TaskShard task, IProgress<(int Done, int Total)>? progress = null)
    {
        var options = local;
        var files = DedupFiles.List(input);
        work.Record(DedupWork.Settings.From(input, files, local));
        var ledger = new TaskLedger(work.Stage(DedupStages.Signatures), task.Count);
        ledger.Open();
        if (ledger.IsDone(task.Index)) return Skip(DedupStages.Signatures, task, ledger);
        var sw = Stopwatch.StartNew();
        var mine = Enumerable.Range(0, files.Count).Where(f => f % task.Count == task.Index).ToList();
        var folder = work.SignatureFolder(task.Index);
        var spill = Path.Combine(folder, Deduplicator.SpillFolder);
        int bands = options.MinHash.Bands;
        long exactBudget = options.Exact ? (options.Near ? options.MemoryBytes / (bands + 1) : options.MemoryBytes) : 0;
        using var exact = new ExternalSorter<ExactRecord>(spill, "exact", Math.Max(1, exactBudget));
        using var near = new ExternalSorter<BandRecord>(spill, "bands", Math.Max(1, options.MemoryBytes - exactBudget));
        try
        {
            var signer = new DedupSigner(options);
            Directory.CreateDirectory(Path.GetDirectoryName(work.Chars(0))!);
            var sigs = new DedupSigner.FileSignatures[mine.Count];
            int done = 0;
            Parallel.For(0, mine.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
            {
                sigs[i] = signer.Sign(files[mine[i]], mine[i], exact, near);
                AtomicFile.WriteAllBytes(work.Chars(mine[i]), MemoryMarshal.AsBytes(sigs[i].Chars.AsSpan()));
                progress?.Report((Interlocked.Increment(ref done), mine.Count + 1));
            });
            Directory.CreateDirectory(folder);
            RecordFile.Write(work.ExactSignatures(task.Index), exact.Sorted());
            WriteBands(task.Index, near.Sorted(), options.Near ? bands : 0);
            var stats = new SignatureTaskStats
            {
                Files = mine, Docs = sigs.Select(s => s.Chars.Length).ToList(), Chars = sigs.Select(s => s.Chars.Sum(c => (long)c)).ToList(),
                Malformed = sigs.Sum(s => s.Malformed), Reused = sigs.Sum(s => s.Reused),
                SpilledRuns = exact.RunsSpilled + near.RunsSpilled, Seconds = sw.Elapsed.TotalSeconds,
            };
            ledger.MarkDone(task.Index, JsonSerializer.Serialize(stats, CorpusJson.Options));
            progress?.Report((mine.Count + 1, mine.Count + 1));
            return Finished(DedupStages.Signatures, task, ledger, $"signed {mine.Count} shard(s), {stats.Docs.Sum():N0} documents");
        }
        finally
        {
            exact.Dispose();
            near.Dispose();
            try { if (Directory.Exists(spill)) Directory.Delete(spill, true); } catch (IOException) { }
        }
    }

    /// <summary>Splits the (band, key, order)-sorted stream into one file per band (every band gets a file, maybe empty).</summary>
    void WriteBands(int task, IEnumerable<BandRecord> sorted, int bands)
    {
        using var e = sorted.GetEnumerator();
        bool has = e.MoveNext();
        for (int b = 0; b < bands; b++)
        {
            IEnumerable<BandRecord> Band()
            {
                while (has && e.Current.Band == b) { yield return e.Current; has = e.MoveNext(); }
            }
            RecordFile.Write(work.BandSignatures(task, b), Band());
        }
    }

    /// <summary>Stage 2: needs a complete signatures stage.</summary>
    public DedupStageResult Buckets(TaskShard task, IProgress<(int Done, int Total)>? progress = null)
    {
        var settings = work.Load();
        var signatures = work.FinishedLedger(DedupStages.Signatures, "run (or re-submit) the signatures stage until every task has finished");
        var ledger = new TaskLedger(work.Stage(DedupStages.Buckets), task.Count);
        ledger.Open();
        if (ledger.IsDone(task.Index)) return Skip(DedupStages.Buckets, task, ledger);
        var sw = Stopwatch.StartNew();
        var units = BucketUnits.For(task.Count, settings.Bands);
        var mine = Enumerable.Range(0, units.Count).Where(u => u % task.Count == task.Index).ToList();
        long records = 0;
        int done = 0;
        Parallel.ForEach(mine, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, local.Workers) }, u =>
        {
            var (lo, hi) = units.Range(u);
            int part = units.Part(u);
            long n = part == 0
                ? RecordFile.Write(work.Bucket(u), RecordFile.Repeated(Slice<ExactRecord>(signatures.Count, t => work.ExactSignatures(t), r => r.Hi, lo, hi), (a, b) => a.SameKey(b)))
                : RecordFile.Write(work.Bucket(u), RecordFile.Repeated(Slice<BandRecord>(signatures.Count, t => work.BandSignatures(t, part - 1), r => r.Key, lo, hi), (a, b) => a.SameKey(b)));
            Interlocked.Add(ref records, n);
            progress?.Report((Interlocked.Increment(ref done), mine.Count));
        });
        var stats = new RecordTaskStats { Units = mine.Count, Records = records, Seconds = sw.Elapsed.TotalSeconds };
        ledger.MarkDone(task.Index, JsonSerializer.Serialize(stats, CorpusJson.Options));
        return Finished(DedupStages.Buckets, task, ledger, $"merged {mine.Count} of {units.Count} bucket units, {records:N0} records of repeated keys");
    }

    /// <summary>The records with keys in [lo, hi) of every signatures task's file, merged into one sorted stream.</summary>
    static IEnumerable<T> Slice<T>(int tasks, Func<int, string> path, Func<T, ulong> key, UInt128 lo, UInt128 hi) where T : unmanaged, IComparable<T>
    {
        var sources = new List<IEnumerable<T>>();
        for (int t = 0; t < tasks; t++)
        {
            var p = path(t);
            if (!File.Exists(p)) continue; // exact or near dedup is off: the stage wrote no such records
            long start = RecordFile.LowerBound<T>(p, r => key(r) >= lo);
            sources.Add(RecordFile.Read<T>(p, start).TakeWhile(r => key(r) < hi));
        }
        return RecordFile.Merge(sources);
    }

    /// <summary>Stage 3 (one task): needs a complete buckets stage.</summary>
    public DedupStageResult Cluster(TaskShard task)
    {
        if (task.Index != 0) return new DedupStageResult(DedupStages.Cluster, task, true, $"the cluster stage is one task; task {task} has nothing to do (task 0/{task.Count} runs it)");
        var settings = work.Load();
        var signatures = work.FinishedLedger(DedupStages.Signatures, "run (or re-submit) the signatures stage until every task has finished");
        var buckets = work.FinishedLedger(DedupStages.Buckets, "run (or re-submit) the buckets stage until every task has finished");
        var ledger = new TaskLedger(work.Stage(DedupStages.Cluster), 1);
        ledger.Open();
        var one = new TaskShard(0, 1, task.Source);
        if (ledger.IsDone(0)) return Skip(DedupStages.Cluster, one, ledger);
        var sw = Stopwatch.StartNew();
        var docs = DocsPerFile(settings, signatures);
        var offsets = DedupDecisions.Offsets(docs);
        var decisions = new DedupDecisions(offsets[^1]);
        var doc = DedupDecisions.DocIndex(offsets, settings.KeepNewest);
        var units = BucketUnits.For(buckets.Count, settings.Bands);
        IEnumerable<T> Part<T>(Func<int, bool> which) where T : unmanaged =>
            Enumerable.Range(0, units.Count).Where(u => which(units.Part(u))).SelectMany(u => RecordFile.Read<T>(work.Bucket(u)));
        decisions.Exact(Part<ExactRecord>(p => p == 0), doc);
        decisions.Near(Part<BandRecord>(p => p > 0), doc);
        var stats = new DedupStats();
        decisions.Census(stats);
        Directory.CreateDirectory(Path.GetDirectoryName(work.RemoveList(0))!);
        for (int f = 0; f < docs.Count; f++)
        {
            var removed = Enumerable.Range(0, docs[f]).Where(j => decisions.Removed(offsets[f] + j)).ToArray();
            AtomicFile.WriteAllBytes(work.RemoveList(f), MemoryMarshal.AsBytes(removed.AsSpan()));
        }
        stats.Seconds = sw.Elapsed.TotalSeconds;
        ledger.MarkDone(0, stats.ToJson());
        return Finished(DedupStages.Cluster, one, ledger, $"{stats.ExactDuplicates:N0} exact and {stats.NearDuplicates:N0} near duplicates in {stats.Clusters:N0} clusters");
    }

    static List<int> DocsPerFile(DedupWork.Settings settings, TaskLedger signatures)
    {
        var docs = new int[settings.Files.Count];
        for (int t = 0; t < signatures.Count; t++)
        {
            var s = Load<SignatureTaskStats>(signatures, t);
            for (int i = 0; i < s.Files.Count; i++) docs[s.Files[i]] = s.Docs[i];
        }
        return [.. docs];
    }

    static T Load<T>(TaskLedger ledger, int task) =>
        JsonSerializer.Deserialize<T>(ledger.Stats(task), CorpusJson.Options) ?? throw new InvalidDataException($"{ledger.Directory}: task {task}'s stats are empty; delete its completion marker and rerun it");

    /// <summary>Stage 4: needs a complete cluster stage and the same input folder the signatures stage read.</summary>
    public DedupStageResult Filter(string input, string output, TaskShard task, IProgress<(int Done, int Total)>? progress = null)
    {
        var settings = work.Load();
        var signatures = work.FinishedLedger(DedupStages.Signatures, "run (or re-submit) the signatures stage until every task has finished");
        var cluster = work.FinishedLedger(DedupStages.Cluster, "run the cluster stage (one task)");
        var files = DedupFiles.List(input);
        if (!files.Select(f => Path.GetRelativePath(input, f)).SequenceEqual(settings.Files))
            throw new InvalidOperationException($"--input {input}: its .jsonl.zst files are not the ones the signatures stage read from {settings.Input} ({settings.Files.Count} files); pass the same folder, unchanged");
        var ledger = new TaskLedger(work.Stage(DedupStages.Filter), task.Count);
        ledger.Open();
        if (!ledger.IsDone(task.Index))
        {
            var sw = Stopwatch.StartNew();
            var mine = Enumerable.Range(0, files.Count).Where(f => f % task.Count == task.Index).ToList();
            var outputs = files.Select(f => Path.Combine(output, Path.GetRelativePath(input, f))).ToList();
            Directory.CreateDirectory(output);
            DedupFiles.DeleteLeftovers(output, mine.Select(f => outputs[f]));
            var kept = new (long Docs, long Chars)[mine.Count];
            int done = 0;
            Parallel.For(0, mine.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, local.Workers) }, i =>
            {
                int f = mine[i];
                var removed = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(work.RemoveList(f))).ToArray();
                var chars = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(work.Chars(f))).ToArray();
                kept[i] = DedupFiles.Rewrite(files[f], outputs[f], j => Array.BinarySearch(removed, j) >= 0, chars, local.ZstdLevel);
                progress?.Report((Interlocked.Increment(ref done), mine.Count));
            });
            var stats = new RecordTaskStats { DocsKept = kept.Sum(k => k.Docs), CharsKept = kept.Sum(k => k.Chars), Seconds = sw.Elapsed.TotalSeconds };
            ledger.MarkDone(task.Index, JsonSerializer.Serialize(stats, CorpusJson.Options));
        }
        var finished = Finished(DedupStages.Filter, task, ledger, "rewrote its shards");
        // Whichever task finds every filter task done writes the merged books (the same bytes if two do).
        return ledger.Complete ? finished with { Summary = Summarize(settings, signatures, cluster, ledger, output) } : finished;
    }

    /// <summary>The books of all four stages as single-process dedup writes them, published as OUTPUT/dedup-summary.json.</summary>
    DedupStats Summarize(DedupWork.Settings settings, TaskLedger signatures, TaskLedger cluster, TaskLedger filter, string output)
    {
        var stats = JsonSerializer.Deserialize<DedupStats>(cluster.Stats(0), CorpusJson.Options)!;
        stats.Bands = $"{settings.Bands}x{settings.Rows}";
        stats.MemoryLimitBytes = local.MemoryBytes;
        for (int t = 0; t < signatures.Count; t++)
        {
            var s = Load<SignatureTaskStats>(signatures, t);
            stats.DocsIn += s.Docs.Sum(d => (long)d);
            stats.CharsIn += s.Chars.Sum();
            stats.MalformedLines += s.Malformed;
            stats.SignaturesReused += s.Reused;
            stats.SpilledRuns += s.SpilledRuns;
            stats.Seconds += s.Seconds;
        }
        for (int t = 0; t < filter.Count; t++)
        {
            var s = Load<RecordTaskStats>(filter, t);
            stats.DocsKept += s.DocsKept;
            stats.CharsKept += s.CharsKept;
            stats.Seconds += s.Seconds;
        }
        AtomicFile.WriteAllText(Path.Combine(output, Deduplicator.SummaryFile), stats.ToJson());
        return stats;
    }

    static DedupStageResult Skip(string stage, TaskShard task, TaskLedger ledger) =>
        new(stage, task, true, $"task {task} of stage '{stage}' already finished (marker in {ledger.CompletionsFolder}); skipped") { Missing = ledger.Missing() };

    static DedupStageResult Finished(string stage, TaskShard task, TaskLedger ledger, string what)
    {
        var missing = ledger.Missing();
        var next = missing.Count == 0 ? $"stage '{stage}' is complete" : $"stage '{stage}' waits for {TaskLedger.Describe(missing)}";
        return new DedupStageResult(stage, task, false, $"task {task}: {what}; {next}") { Missing = missing };
    }
}
