using System.Collections;
using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Shards;
using ZstdSharp;

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

    sealed class FileSignatures
    {
        public int[] Chars = [];
        public long Malformed;
        public long Reused;
    }

    public DedupStats Run(string inputDir, string outputDir, IProgress<(int Done, int Total)>? progress = null)
    {
        if (!Directory.Exists(inputDir)) throw new DirectoryNotFoundException($"dedup input '{inputDir}' does not exist; pass the --output folder of 'tsumugi corpus clean'");
        if (options.MemoryBytes < 1) throw new ArgumentException($"dedup memory limit {options.MemoryBytes} bytes: must be positive (--memory MB, e.g. 1024)");
        var sw = Stopwatch.StartNew();
        var files = Directory.EnumerateFiles(inputDir, "*.jsonl.zst", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"no .jsonl.zst files under '{inputDir}'; run 'tsumugi corpus clean' first");
        int bands = options.MinHash.Bands;
        var spillDir = Path.Combine(outputDir, SpillFolder);
        // One exact record per document for every `bands` band records: split the budget in that proportion.
        long exactBudget = options.Exact ? (options.Near ? options.MemoryBytes / (bands + 1) : options.MemoryBytes) : 0;
        using var exact = new ExternalSorter<ExactRecord>(spillDir, "exact", Math.Max(1, exactBudget));
        using var near = new ExternalSorter<BandRecord>(spillDir, "bands", Math.Max(1, options.MemoryBytes - exactBudget));
        try
        {
            var sigs = new FileSignatures[files.Count];
            int done = 0;
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
            {
                sigs[i] = Signatures(files[i], i, exact, near);
                progress?.Report((Interlocked.Increment(ref done), files.Count * 2));
            });

            var offsets = new int[files.Count + 1];
            for (int i = 0; i < files.Count; i++)
            {
                long next = (long)offsets[i] + sigs[i].Chars.Length;
                if (next > Array.MaxLength) throw new InvalidOperationException($"dedup handles at most {Array.MaxLength:N0} documents per run; split the input folder");
                offsets[i + 1] = (int)next;
            }
            int n = offsets[^1];
            var parent = new int[n];
            for (int i = 0; i < n; i++) parent[i] = i;
            var exactDup = new BitArray(n);
            var nearDup = new BitArray(n);
            var stats = new DedupStats { Bands = $"{bands}x{options.MinHash.Rows}", MemoryLimitBytes = options.MemoryBytes };
            foreach (var s in sigs)
            {
                stats.MalformedLines += s.Malformed;
                stats.SignaturesReused += s.Reused;
                stats.DocsIn += s.Chars.Length;
                foreach (int c in s.Chars) stats.CharsIn += c;
            }
            int Doc(long order) { var (f, l) = DedupOrder.Decode(order, options.KeepNewest); return offsets[f] + l; }

            // Exact: in each group of equal hashes the first document in order is kept.
            bool any = false;
            ExactRecord head = default;
            int owner = -1;
            foreach (var r in exact.Sorted())
            {
                int g = Doc(r.Order);
                if (any && r.SameKey(head)) { exactDup[g] = true; stats.ExactDuplicates++; Union(parent, owner, g); }
                else { head = r; owner = g; any = true; }
            }

            // Near: per (band, key), the first document in order that is not an exact duplicate owns the key; every
            // later one sharing it is a near duplicate (once, however many bands match).
            BandRecord bandHead = default;
            bool bandAny = false;
            owner = -1;
            foreach (var r in near.Sorted())
            {
                int g = Doc(r.Order);
                if (exactDup[g]) continue;
                if (bandAny && r.SameKey(bandHead))
                {
                    Union(parent, owner, g);
                    if (!nearDup[g]) { nearDup[g] = true; stats.NearDuplicates++; }
                }
                else { bandHead = r; owner = g; bandAny = true; }
            }
            stats.SpilledRuns = exact.RunsSpilled + near.RunsSpilled;

            var sizes = new Dictionary<int, int>();
            for (int i = 0; i < n; i++) { int r = Find(parent, i); sizes[r] = sizes.GetValueOrDefault(r) + 1; }
            foreach (var size in sizes.Values.Where(v => v > 1))
            {
                stats.Clusters++;
                stats.ClusterSizes[size] = stats.ClusterSizes.GetValueOrDefault(size) + 1;
                stats.LargestCluster = Math.Max(stats.LargestCluster, size);
            }

            Directory.CreateDirectory(outputDir);
            DeleteLeftovers(inputDir, outputDir, files);
            var kept = new (long Docs, long Chars)[files.Count];
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
            {
                var relative = Path.GetRelativePath(inputDir, files[i]);
                kept[i] = Rewrite(files[i], Path.Combine(outputDir, relative), j => exactDup[offsets[i] + j] || nearDup[offsets[i] + j], sigs[i].Chars);
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

    /// <summary>
    /// Deletes the temporaries a killed run left of the files this one writes: each writer draws a new temporary name,
    /// so without this every crash would leave a partial shard behind for good.
    /// </summary>
    static void DeleteLeftovers(string inputDir, string outputDir, List<string> files)
    {
        var outputs = files.Select(f => Path.GetFullPath(Path.Combine(outputDir, Path.GetRelativePath(inputDir, f))))
            .Append(Path.GetFullPath(Path.Combine(outputDir, SummaryFile))).ToHashSet(StringComparer.Ordinal);
        foreach (var (temporary, path) in AtomicFile.Leftovers(outputDir))
            if (outputs.Contains(Path.GetFullPath(path))) File.Delete(temporary);
    }

    static int Find(int[] parent, int x)
    {
        while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
        return x;
    }

    static void Union(int[] parent, int a, int b)
    {
        int ra = Find(parent, a), rb = Find(parent, b);
        if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }

    /// <summary>Decompressed lines of a .jsonl.zst file (the dedup stage reads its own output format only).</summary>
    static IEnumerable<string> Lines(string path)
    {
        using var file = File.OpenRead(path);
        using var zstd = new DecompressionStream(file);
        using var text = new StreamReader(zstd, new UTF8Encoding(false));
        var lines = new BoundedLineReader(text, int.MaxValue / 2);
        while (lines.TryReadLine(out var line, out _))
            if (line is not null) yield return line;
    }

    FileSignatures Signatures(string path, int file, ExternalSorter<ExactRecord> exact, ExternalSorter<BandRecord> near)
    {
        var result = new FileSignatures();
        var chars = new List<int>();
        var hasher = new MinHasher(options.MinHash);
        int bands = options.MinHash.Bands;
        var keys = new ulong[bands];
        string paramKey = options.MinHash.Key;
        var norm = new StringBuilder();
        // Records go to the shared sorters in batches (one lock per batch).
        const int batch = 1024;
        var exactBatch = new List<ExactRecord>(batch);
        var bandBatch = new List<BandRecord>(batch * bands);
        void Flush()
        {
            exact.Add(CollectionsMarshal.AsSpan(exactBatch));
            near.Add(CollectionsMarshal.AsSpan(bandBatch));
            exactBatch.Clear();
            bandBatch.Clear();
        }
        foreach (var line in Lines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            string text;
            string? stored = null;
            try
            {
                using var json = JsonDocument.Parse(line);
                text = json.RootElement.GetProperty("text").GetString() ?? "";
                if (json.RootElement.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                    && meta.TryGetProperty("minhash_params", out var p) && p.GetString() == paramKey
                    && meta.TryGetProperty("minhash", out var mh))
                    stored = mh.GetString();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // Judged on the raw line (a malformed line is removed only when the same line was seen before).
                result.Malformed++;
                text = line;
            }
            long order = DedupOrder.Encode(file, chars.Count, options.KeepNewest);
            if (options.Exact)
            {
                norm.Clear();
                foreach (char c in text) if (!char.IsWhiteSpace(c)) norm.Append(char.ToLowerInvariant(c));
                var h = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(norm.ToString().AsSpan()));
                exactBatch.Add(new ExactRecord((ulong)(h >> 64), (ulong)h, order));
            }
            if (options.Near)
            {
                if (stored is not null && MinHashStep.TryDecode(stored, keys)) result.Reused++;
                else hasher.BandKeys(text, keys);
                for (int b = 0; b < bands; b++) bandBatch.Add(new BandRecord(keys[b], order, b));
            }
            chars.Add(text.Length);
            if (chars.Count % batch == 0) Flush();
        }
        Flush();
        result.Chars = chars.ToArray();
        return result;
    }

    (long Docs, long Chars) Rewrite(string input, string output, Func<int, bool> removed, int[] chars)
    {
        long keptChars = 0;
        using var writer = new JsonlZstWriter(output, options.ZstdLevel);
        int j = 0;
        foreach (var line in Lines(input))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!removed(j))
            {
                writer.WriteLine(line);
                keptChars += chars[j];
            }
            j++;
        }
        writer.Commit();
        return (writer.Count, keptChars);
    }
}
