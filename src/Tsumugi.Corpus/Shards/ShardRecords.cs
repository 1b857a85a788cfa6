using System.Text;
using System.Text.Json;
using ZstdSharp;

namespace Tsumugi.Corpus.Shards;

/// <summary>
/// Reads back the `.jsonl.zst` shards that `corpus clean` / `corpus dedup` write (see <see cref="JsonlZstWriter"/>),
/// for later stages (tokenizer input, evaluation, the demo). Rejected-record shards are skipped.
/// </summary>
public static class ShardRecords
{
    public sealed record Record(string Id, string Text, string Domain, string Quality);

    /// <summary>The shard files under a directory (recursively), in a stable order.</summary>
    public static IReadOnlyList<string> Files(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: corpus directory not found; write one with `tsumugi corpus clean`.");
        return Directory.EnumerateFiles(directory, "*.jsonl.zst", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".rejected.jsonl.zst", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The records of one shard; corrupt lines are skipped (see the overload to have them reported).</summary>
    /// <remarks>An overload rather than an optional parameter, so <c>SelectMany(ShardRecords.Read)</c> still binds.</remarks>
    public static IEnumerable<Record> Read(string shardPath) => Read(shardPath, null);

    /// <summary>
    /// The records of one shard. A corrupt line (not JSON, or no string <c>text</c>) is skipped, not fatal, so the rest
    /// of the shard is still read; each one is passed to <paramref name="onCorrupt"/> as <c>file:line: reason</c>.
    /// </summary>
    public static IEnumerable<Record> Read(string shardPath, Action<string>? onCorrupt)
    {
        using var file = File.OpenRead(shardPath);
        using var zstd = new DecompressionStream(file);
        using var reader = new StreamReader(zstd, new UTF8Encoding(false));
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            Record? record;
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                record = new Record(
                    root.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
                    root.GetProperty("text").GetString() ?? "",
                    root.TryGetProperty("domain", out var d) ? d.GetString() ?? "other" : "other",
                    root.TryGetProperty("quality", out var q) ? q.GetString() ?? "" : "");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                onCorrupt?.Invoke($"{shardPath}:{lineNumber}: not a corpus record ({e.Message}).");
                record = null;
            }
            if (record is not null) yield return record;
        }
    }
}
