namespace Tsumugi.Evaluation.Datasets;

/// <summary>Finds a dataset's raw files under the --raw path and reads them line by line.</summary>
public static class RawFile
{
    /// <summary>
    /// The first of <paramref name="names"/> present in the folder <paramref name="rawPath"/>; or
    /// <paramref name="rawPath"/> itself when it is a file and the dataset reads only one file. The names list the
    /// upstream file name first and llm-jp-eval's <c>raw_files/</c> name second, so either download works.
    /// </summary>
    public static string Find(string dataset, string rawPath, IReadOnlyList<string> names, bool singleFileDataset, string help)
    {
        if (File.Exists(rawPath))
        {
            if (singleFileDataset) return rawPath;
            throw new FileNotFoundException($"{dataset}: --raw {rawPath} is a file, but {dataset} reads several files; pass the folder holding {help}.");
        }
        if (!Directory.Exists(rawPath))
            throw new DirectoryNotFoundException($"{dataset}: --raw {rawPath} not found; pass the folder holding {help}.");
        foreach (var name in names)
        {
            var path = Path.Combine(rawPath, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{dataset}: {Path.Combine(rawPath, names[0])} not found (also looked for {string.Join(", ", names.Skip(1))}); {dataset} needs {help}.");
    }

    /// <summary>The file's lines with 1-based numbers, streamed (CR LF and LF both end a line, as Python's text mode).</summary>
    public static IEnumerable<(int Number, string Text)> Lines(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int number = 0;
        while (reader.ReadLine() is { } line) yield return (++number, line);
    }
}
