using System.Text;
using Tsumugi.Common;
using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Shards;
using ZstdSharp;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// The files dedup reads and writes, shared by the single-process <see cref="Deduplicator"/> and the distributed
/// stages: which shards are the input (their order is the keep-first order), their lines, and the rewrite that copies
/// the kept lines byte for byte.
/// </summary>
public static class DedupFiles
{
    /// <summary>The <c>.jsonl.zst</c> shards under <paramref name="inputDir"/>, in the order dedup numbers them (ordinal path order).</summary>
    public static List<string> List(string inputDir)
    {
        if (!Directory.Exists(inputDir)) throw new DirectoryNotFoundException($"dedup input '{inputDir}' does not exist; pass the --output folder of 'tsumugi corpus clean'");
        var files = Directory.EnumerateFiles(inputDir, "*.jsonl.zst", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"no .jsonl.zst files under '{inputDir}'; run 'tsumugi corpus clean' first");
        return files;
    }

    /// <summary>Decompressed non-blank lines of a .jsonl.zst file (a document's line number counts these only).</summary>
    public static IEnumerable<string> Lines(string path)
    {
        using var file = File.OpenRead(path);
        using var zstd = new DecompressionStream(file);
        using var text = new StreamReader(zstd, new UTF8Encoding(false));
        var lines = new BoundedLineReader(text, int.MaxValue / 2);
        while (lines.TryReadLine(out var line, out _))
            if (line is not null && !string.IsNullOrWhiteSpace(line)) yield return line;
    }

    /// <summary>
    /// Writes <paramref name="input"/> to <paramref name="output"/> without the documents <paramref name="removed"/>
    /// names (by line), kept lines byte for byte; returns the documents and characters kept.
    /// </summary>
    public static (long Docs, long Chars) Rewrite(string input, string output, Func<int, bool> removed, int[] chars, int zstdLevel)
    {
        long keptChars = 0;
        using var writer = new JsonlZstWriter(output, zstdLevel);
        int j = 0;
        foreach (var line in Lines(input))
        {
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

    /// <summary>
    /// Deletes the temporaries a killed run left of the files this one writes (<paramref name="outputs"/>): each writer
    /// draws a new temporary name, so without this every crash would leave a partial shard behind for good.
    /// </summary>
    public static void DeleteLeftovers(string outputDir, IEnumerable<string> outputs)
    {
        if (!Directory.Exists(outputDir)) return;
        var mine = outputs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        foreach (var (temporary, path) in AtomicFile.Leftovers(outputDir))
            if (mine.Contains(Path.GetFullPath(path))) File.Delete(temporary);
    }
}
