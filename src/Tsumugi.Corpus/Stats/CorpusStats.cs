using System.Text;
using System.Text.Json;
using ZstdSharp;

namespace Tsumugi.Corpus.Stats;

/// <summary>
/// Summary of a cleaned corpus folder (<c>tsumugi corpus stats DIR</c>): documents, characters, domains, quality
/// tiers and a length histogram with power-of-two buckets. Streams the .jsonl.zst files; holds only counters.
/// </summary>
public sealed class CorpusStats
{
    public long Files { get; set; }
    public long Docs { get; set; }
    public long Chars { get; set; }
    public long MalformedLines { get; set; }
    public SortedDictionary<string, long> Domains { get; set; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> Tiers { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Bucket lower bound (0, 1, 2, 4, …, chars) → documents whose length falls in [bound, 2·bound).</summary>
    public SortedDictionary<long, long> LengthHistogram { get; set; } = new();

    public static long Bucket(int length) => length <= 0 ? 0 : 1L << (31 - int.LeadingZeroCount(length));

    public static CorpusStats Compute(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"'{dir}' does not exist; pass a folder written by 'tsumugi corpus clean' or 'dedup'");
        var stats = new CorpusStats();
        foreach (var path in Directory.EnumerateFiles(dir, "*.jsonl.zst", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (path.EndsWith(".rejected.jsonl.zst", StringComparison.Ordinal)) continue;
            stats.Files++;
            using var file = File.OpenRead(path);
            using var zstd = new DecompressionStream(file);
            using var reader = new StreamReader(zstd, new UTF8Encoding(false));
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                if (line.Length == 0) continue;
                try
                {
                    using var json = JsonDocument.Parse(line);
                    var root = json.RootElement;
                    int len = root.GetProperty("text").GetString()?.Length ?? 0;
                    stats.Docs++;
                    stats.Chars += len;
                    string domain = root.TryGetProperty("domain", out var d) ? d.GetString() ?? "?" : "?";
                    string tier = root.TryGetProperty("quality", out var q) ? q.GetString() ?? "?" : "?";
                    stats.Domains[domain] = stats.Domains.GetValueOrDefault(domain) + 1;
                    stats.Tiers[tier] = stats.Tiers.GetValueOrDefault(tier) + 1;
                    long b = Bucket(len);
                    stats.LengthHistogram[b] = stats.LengthHistogram.GetValueOrDefault(b) + 1;
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    stats.MalformedLines++;
                }
            }
        }
        return stats;
    }
}
