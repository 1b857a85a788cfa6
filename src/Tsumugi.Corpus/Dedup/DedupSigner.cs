using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// Computes the dedup records of one shard — an exact record (XxHash128 of the text lower-cased without whitespace)
/// and one record per LSH band — for the single-process <see cref="Deduplicator"/> and the distributed signatures
/// stage alike, reusing <c>meta.minhash</c> when <c>corpus clean</c> made it with the same settings.
/// </summary>
public sealed class DedupSigner(DedupOptions options)
{
    /// <summary>What signing one file found: each document's character count (by line), malformed lines, reused signatures.</summary>
    public sealed class FileSignatures
    {
        public int[] Chars = [];
        public long Malformed;
        public long Reused;
    }

    /// <param name="path">The shard.</param>
    /// <param name="file">Its index in the run's file list (the high half of each record's order).</param>
    public FileSignatures Sign(string path, int file, ExternalSorter<ExactRecord> exact, ExternalSorter<BandRecord> near)
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
        foreach (var line in DedupFiles.Lines(path))
        {
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
}
