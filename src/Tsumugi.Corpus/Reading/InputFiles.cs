using System.IO.Enumeration;

namespace Tsumugi.Corpus.Reading;

/// <summary>Expands input paths (files, directories, globs with * ? and **) into a sorted, de-duplicated file list.</summary>
public static class InputFiles
{
    /// <summary>Extensions read from directories; anything else under a directory is skipped (and counted).</summary>
    public static bool IsSupported(string path) => CorpusReader.FormatOf(path) != InputFormat.Unknown;

    /// <summary>As the overload below, with files that are not regular counted in <paramref name="skipped"/>.</summary>
    public static List<string> Expand(IEnumerable<string> inputs, out int skipped)
    {
        var files = Expand(inputs, out skipped, out var notRegular);
        skipped += notRegular;
        return files;
    }

    /// <summary>
    /// The files to read. <paramref name="skipped"/>: files under folders with an unsupported extension;
    /// <paramref name="notRegular"/>: named pipes, sockets and devices, named directly or found in folders — never
    /// opened (a pipe would block the run forever).
    /// </summary>
    public static List<string> Expand(IEnumerable<string> inputs, out int skipped, out int notRegular)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        skipped = 0;
        notRegular = 0;
        foreach (var raw in inputs)
        {
            var input = Path.GetFullPath(raw);
            if (File.Exists(input))
            {
                if (FileKinds.IsRegularOrUnknown(input)) files.Add(input); else notRegular++;
                continue;
            }
            if (Directory.Exists(input))
            {
                foreach (var f in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories))
                    if (!IsSupported(f)) skipped++;
                    else if (FileKinds.IsRegularOrUnknown(f)) files.Add(f);
                    else notRegular++;
                continue;
            }
            if (raw.IndexOfAny(['*', '?']) >= 0)
            {
                int firstWild = input.IndexOfAny(['*', '?']);
                var root = Path.GetDirectoryName(input[..firstWild]) ?? "/";
                if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"input glob '{raw}': folder '{root}' does not exist; check the path");
                var pattern = input.Replace("**/", "*").Replace("**", "*");
                foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
                {
                    if (!FileSystemName.MatchesSimpleExpression(pattern, f)) continue;
                    if (FileKinds.IsRegularOrUnknown(f)) files.Add(f); else notRegular++;
                }
                continue;
            }
            throw new FileNotFoundException($"input '{raw}' does not exist; pass a file, a folder or a glob such as 'data/**/*.jsonl.zst'");
        }
        return [.. files];
    }
}
