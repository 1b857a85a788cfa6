using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>Turns <c>--input</c> paths into the ordered file list of a run.</summary>
internal static class InputSelection
{
    /// <summary>
    /// Files in the order given; each folder or glob expands to its files in ordinal order; a file named twice is read
    /// once. A folder with <c>*.jsonl.zst</c> shards is a corpus-stage output: only the shards count (its plan.json,
    /// summary.json and *.done.json are bookkeeping, not documents). Missing paths throw with the path named.
    /// </summary>
    public static List<string> Expand(IReadOnlyList<string> inputs, out int skipped)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        skipped = 0;
        foreach (var input in inputs)
        {
            IEnumerable<string> found;
            if (Directory.Exists(input) && ShardRecords.Files(input) is { Count: > 0 } shards) found = shards.Select(Path.GetFullPath);
            else
            {
                found = InputFiles.Expand([input], out var unsupported);
                skipped += unsupported;
            }
            foreach (var file in found)
                if (seen.Add(file)) files.Add(file);
        }
        return files;
    }
}
