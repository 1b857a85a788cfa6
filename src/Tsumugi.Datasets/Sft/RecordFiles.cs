using Tsumugi.Corpus.Reading;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The record files a data section names (files, folders, globs), for the SFT and preference readers: only the types
/// <see cref="SftRecordSource"/> reads, and a clear error when nothing is left.
/// </summary>
internal static class RecordFiles
{
    /// <param name="kind">The data's name in messages, with its article ("an SFT", "a preference").</param>
    /// <param name="error">Makes the reader's own exception type from a message.</param>
    public static List<string> Expand(IReadOnlyList<string> paths, string kind, Func<string, Exception> error)
    {
        foreach (var path in paths)
            if (File.Exists(path) && !SftRecordSource.IsSftFile(path))
                throw error($"data.paths: {path} is not {kind} file type (expected .jsonl, .json or .parquet, optionally .gz or .zst)");
        List<string> files;
        try
        {
            // Folders may hold other files (a README, the rejects of an earlier run as .txt…): only record types are read.
            files = InputFiles.Expand(paths, out _).Where(SftRecordSource.IsSftFile).ToList();
        }
        catch (IOException e)
        {
            throw error($"data.paths: {e.Message}");
        }
        if (files.Count == 0) throw error($"data.paths: no .jsonl, .json or .parquet files in {string.Join(", ", paths)}");
        return files;
    }
}
