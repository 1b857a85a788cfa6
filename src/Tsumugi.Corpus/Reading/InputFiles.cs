using System.IO.Enumeration;

namespace Tsumugi.Corpus.Reading;

/// <summary>Expands input paths (files, directories, globs with * ? and **) into a sorted, de-duplicated file list.</summary>
public static class InputFiles
{
    /// <summary>Extensions read from directories; anything else under a directory is skipped (and counted).</summary>
    public static bool IsSupported(string path) => CorpusReader.FormatOf(path) != InputFormat.Unknown;

    public static List<string> Expand(IEnumerable<string> inputs, out int skipped)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        skipped = 0;
        foreach (var raw in inputs)
        {
            var input = Path.GetFullPath(raw);
            if (File.Exists(input)) { files.Add(input); continue; }
            if (Directory.Exists(input))
            {
                foreach (var f in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories))
                    if (IsSupported(f)) files.Add(f); else skipped++;
                continue;
            }
            if (raw.IndexOfAny(['*', '?']) >= 0)
            {
                int firstWild = input.IndexOfAny(['*', '?']);
                var root = Path.GetDirectoryName(input[..firstWild]) ?? "/";
                if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"input glob '{raw}': folder '{root}' does not exist; check the path");
                var pattern = input.Replace("**/", "*").Replace("**", "*");
                foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
                    if (FileSystemName.MatchesSimpleExpression(pattern, f)) files.Add(f);
                continue;
            }
            throw new FileNotFoundException($"input '{raw}' does not exist; pass a file, a folder or a glob such as 'data/**/*.jsonl.zst'");
        }
        return [.. files];
    }
}
