using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Reading;
using ZstdSharp;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// Global deduplication over the sharded <c>.jsonl.zst</c> output of <c>corpus clean</c>, as its own stage:
/// (1) signatures in parallel per file (reusing <c>meta.minhash</c> when made with the same settings),
/// (2) one ordered pass over all documents: a document is a duplicate when its exact hash or any LSH band key was
/// seen before (Doubri's rule), clusters tracked with union-find, (3) files rewritten in parallel without the
/// duplicates (kept lines are copied byte for byte), each written to a temporary file and renamed.
/// Memory: 16 + 8 × bands bytes per document plus the band dictionaries — about 0.5 KB per document at 20 bands;
/// documents themselves are never held.
/// </summary>
public sealed class Deduplicator(DedupOptions options)
{
    sealed class FileSignatures
    {
        public List<UInt128> Exact { get; } = [];
        public List<ulong> Bands { get; } = [];
        public List<int> Chars { get; } = [];
        public long Malformed;
        public long Reused;
    }

    public DedupStats Run(string inputDir, string outputDir, IProgress<(int Done, int Total)>? progress = null)
    {
        if (!Directory.Exists(inputDir)) throw new DirectoryNotFoundException($"dedup input '{inputDir}' does not exist; pass the --output folder of 'tsumugi corpus clean'");
        var sw = Stopwatch.StartNew();
        var files = Directory.EnumerateFiles(inputDir, "*.jsonl.zst", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"no .jsonl.zst files under '{inputDir}'; run 'tsumugi corpus clean' first");
        int bands = options.MinHash.Bands;
        var sigs = new FileSignatures[files.Count];
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
        {
            sigs[i] = Signatures(files[i]);
            progress?.Report((Interlocked.Increment(ref done), files.Count * 2));
        });

        // Global, ordered decision pass.
        var offsets = new int[files.Count + 1];
        for (int i = 0; i < files.Count; i++) offsets[i + 1] = offsets[i] + sigs[i].Exact.Count;
        int n = offsets[^1];
        var parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        var removed = new bool[n];
        var exactSeen = new Dictionary<UInt128, int>();
        var bandSeen = new Dictionary<ulong, int>[bands];
        for (int b = 0; b < bands; b++) bandSeen[b] = new Dictionary<ulong, int>();
        var stats = new DedupStats { Bands = $"{bands}x{options.MinHash.Rows}" };
        IEnumerable<int> order = options.KeepNewest ? Enumerable.Range(0, files.Count).Reverse() : Enumerable.Range(0, files.Count);
        foreach (int f in order)
        {
            var s = sigs[f];
            stats.MalformedLines += s.Malformed;
            stats.SignaturesReused += s.Reused;
            int count = s.Exact.Count;
            for (int jj = 0; jj < count; jj++)
            {
                int j = options.KeepNewest ? count - 1 - jj : jj;
                int g = offsets[f] + j;
                stats.DocsIn++;
                stats.CharsIn += s.Chars[j];
                if (options.Exact)
                {
                    ref int first = ref CollectionsMarshal.GetValueRefOrAddDefault(exactSeen, s.Exact[j], out bool exists);
                    if (exists) { removed[g] = true; stats.ExactDuplicates++; Union(parent, first, g); continue; }
                    first = g;
                }
                if (!options.Near) continue;
                int rep = -1;
                for (int b = 0; b < bands; b++)
                {
                    ref int owner = ref CollectionsMarshal.GetValueRefOrAddDefault(bandSeen[b], s.Bands[j * bands + b], out bool exists);
                    if (exists) { if (rep < 0) rep = owner; Union(parent, owner, g); }
                    else owner = g;
                }
                if (rep >= 0) { removed[g] = true; stats.NearDuplicates++; }
            }
        }
        var sizes = new Dictionary<int, int>();
        for (int i = 0; i < n; i++) { int r = Find(parent, i); sizes[r] = sizes.GetValueOrDefault(r) + 1; }
        foreach (var size in sizes.Values.Where(v => v > 1))
        {
            stats.Clusters++;
            stats.ClusterSizes[size] = stats.ClusterSizes.GetValueOrDefault(size) + 1;
            stats.LargestCluster = Math.Max(stats.LargestCluster, size);
        }

        Directory.CreateDirectory(outputDir);
        var kept = new (long Docs, long Chars)[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers) }, i =>
        {
            var relative = Path.GetRelativePath(inputDir, files[i]);
            kept[i] = Rewrite(files[i], Path.Combine(outputDir, relative), removed.AsSpan(offsets[i], offsets[i + 1] - offsets[i]).ToArray(), sigs[i].Chars);
            progress?.Report((Interlocked.Increment(ref done), files.Count * 2));
        });
        stats.DocsKept = kept.Sum(k => k.Docs);
        stats.CharsKept = kept.Sum(k => k.Chars);
        stats.Seconds = sw.Elapsed.TotalSeconds;
        PipelineRunner.WriteAtomic(Path.Combine(outputDir, "dedup-summary.json"), stats.ToJson());
        return stats;
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

    FileSignatures Signatures(string path)
    {
        var result = new FileSignatures();
        var hasher = new MinHasher(options.MinHash);
        var keys = new ulong[options.MinHash.Bands];
        string paramKey = options.MinHash.Key;
        var norm = new StringBuilder();
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
                // Kept as a unique document (never removed): dedup must not lose what it cannot judge.
                result.Malformed++;
                text = line;
            }
            norm.Clear();
            foreach (char c in text) if (!char.IsWhiteSpace(c)) norm.Append(char.ToLowerInvariant(c));
            result.Exact.Add(XxHash128.HashToUInt128(MemoryMarshal.AsBytes(norm.ToString().AsSpan())));
            if (stored is not null && MinHashStep.TryDecode(stored, keys)) result.Reused++;
            else hasher.BandKeys(text, keys);
            result.Bands.AddRange(keys);
            result.Chars.Add(text.Length);
        }
        return result;
    }

    (long Docs, long Chars) Rewrite(string input, string output, bool[] removed, List<int> chars)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        long docs = 0, keptChars = 0;
        var tmp = output + ".tmp";
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var zstd = new CompressionStream(file, options.ZstdLevel))
        {
            int j = 0;
            var nl = new byte[] { (byte)'\n' };
            foreach (var line in Lines(input))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                if (!removed[j])
                {
                    zstd.Write(Encoding.UTF8.GetBytes(line));
                    zstd.Write(nl);
                    docs++;
                    keptChars += chars[j];
                }
                j++;
            }
        }
        File.Move(tmp, output, overwrite: true);
        return (docs, keptChars);
    }
}
