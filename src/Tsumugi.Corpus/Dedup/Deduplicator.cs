using System.Diagnostics;
using Tsumugi.Common;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// Global deduplication over the sharded <c>.jsonl.zst</c> output of <c>corpus clean</c>, as its own stage:
/// (1) signatures in parallel per file (reusing <c>meta.minhash</c> when made with the same settings), written as
/// fixed-size records (exact hash, and one record per LSH band key) to <see cref="ExternalSorter{T}"/>s;
/// (2) the records come back sorted by (key, document order): in each group of equal keys the first document is the
/// one an ordered pass would have kept, the others are duplicates (Doubri's rule: a document is a near duplicate when
/// any of its band keys was registered by an earlier document; exact duplicates register no band keys); clusters are
/// tracked with union-find; (3) files are rewritten in parallel without the duplicates (kept lines copied byte for
/// byte), each written aside and published with <see cref="JsonlZstWriter.Commit"/>.
/// Memory: <see cref="DedupOptions.MemoryBytes"/> for the records (beyond it they spill to sorted runs under
/// <c>OUTPUT/.dedup-spill</c> and are merged from disk), plus about 8 bytes per document (union-find parent and
/// character count) and 2 bits (removal flags). Documents themselves are never held.
/// </summary>
public sealed class Deduplicator(DedupOptions options)
{
    /// <summary>Name of the temporary folder (inside the output folder) holding spilled runs; deleted at the end.</summary>
    public const string SpillFolder = ".dedup-spill";

    public const string SummaryFile = "dedup-summary.json";

    public DedupStats Run(string inputDir, string outputDir, IProgress<(int Done, int Total)>? progress = null)
    {
        if (!Directory.Exists(inputDir)) throw new DirectoryNotFoundException($"dedup input '{inputDir}' does not exist; pass the --output folder of 'tsumugi corpus clean'");
        if (options.MemoryBytes < 1) throw new ArgumentException($"dedup memory limit {options.MemoryBytes} bytes: must be positive (--memory MB, e.g. 1024)");
        var sw = Stopwatch.StartNew();
        var files = DedupFiles.List(inputDir);
        int bands = options.MinHash.Bands;
        var spillDir = Path.Combine(outputDir, SpillFolder);
        // One exact record per document for every `bands` band records: split the budget in that proportion.
        long exactBudget = options.Exact ? (options.Near ? options.MemoryBytes / (bands + 1) : options.MemoryBytes) : 0;
        using var exact = new ExternalSorter<ExactRecord>(spillDir, "exact", Math.Max(1, exactBudget));
        using var near = new ExternalSorter<BandRecord>(spillDir, "bands", Math.Max(1, options.MemoryBytes - exactBudget));
        try
        {
            var sigs = new DedupSigner.FileSignatures[files.Count];
            var signer = new DedupSigner(options);
            int done = 0;
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
            {
                sigs[i] = signer.Sign(files[i], i, exact, near);
                progress?.Report((Interlocked.Increment(ref done), files.Count * 2));
            });

            var offsets = DedupDecisions.Offsets(sigs.Select(s => s.Chars.Length).ToList());
            var stats = new DedupStats { Bands = $"{bands}x{options.MinHash.Rows}", MemoryLimitBytes = options.MemoryBytes };
            foreach (var s in sigs)
            {
                stats.MalformedLines += s.Malformed;
                stats.SignaturesReused += s.Reused;
                stats.DocsIn += s.Chars.Length;
                foreach (int c in s.Chars) stats.CharsIn += c;
            }
            var decisions = new DedupDecisions(offsets[^1]);
            var doc = DedupDecisions.DocIndex(offsets, options.KeepNewest);
            decisions.Exact(exact.Sorted(), doc);
            decisions.Near(near.Sorted(), doc);
            decisions.Census(stats);
            stats.SpilledRuns = exact.RunsSpilled + near.RunsSpilled;

            Directory.CreateDirectory(outputDir);
            var outputs = files.Select(f => Path.Combine(outputDir, Path.GetRelativePath(inputDir, f))).ToList();
            DedupFiles.DeleteLeftovers(outputDir, outputs.Append(Path.Combine(outputDir, SummaryFile)));
            var kept = new (long Docs, long Chars)[files.Count];
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
            {
                kept[i] = DedupFiles.Rewrite(files[i], outputs[i], j => decisions.Removed(offsets[i] + j), sigs[i].Chars, options.ZstdLevel);
                progress?.Report((Interlocked.Increment(ref done), files.Count * 2));
            });
            stats.DocsKept = kept.Sum(k => k.Docs);
            stats.CharsKept = kept.Sum(k => k.Chars);
            stats.Seconds = sw.Elapsed.TotalSeconds;
            AtomicFile.WriteAllText(Path.Combine(outputDir, SummaryFile), stats.ToJson());
            return stats;
        }
        finally
        {
            exact.Dispose();
            near.Dispose();
            try { if (Directory.Exists(spillDir)) Directory.Delete(spillDir, true); } catch (IOException) { }
        }
    }
}
