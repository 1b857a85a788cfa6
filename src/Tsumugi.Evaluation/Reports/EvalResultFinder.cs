using System.Text;

namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// Expands the report's PATH arguments into eval result files, in argument order. A file must be an eval result (else
/// a clear error naming it). A directory contributes every <c>*.json</c> below it that is one, in natural path order
/// (checkpoint iter_900 before iter_1000); other JSON there (config.json, tokenizer.json, …) is skipped by a cheap look
/// at its first bytes, since an eval result always starts with its <c>"kind"</c> field.
/// </summary>
public static class EvalResultFinder
{
    const int SniffBytes = 512;

    public static IReadOnlyList<EvalResultFile> Find(IEnumerable<string> paths)
    {
        var found = new List<EvalResultFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                if (seen.Add(Path.GetFullPath(path))) found.Add(new EvalResultFile(path, ReadNamed(path)));
            }
            else if (Directory.Exists(path))
            {
                int before = found.Count;
                var files = Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(NaturalPathComparer.Instance);
                foreach (var file in files)
                    if (LooksLikeEvalResult(file) && seen.Add(Path.GetFullPath(file))) found.Add(new EvalResultFile(file, EvalSummary.Read(file)));
                if (found.Count == before)
                    throw new FileNotFoundException($"{path}: no eval result files (*.json written by `tsumugi eval … --output`) in this directory or below.");
            }
            else throw new FileNotFoundException($"{path}: no such file or directory; give eval result files or directories holding them.", path);
        }
        if (found.Count == 0) throw new ArgumentException("no eval result files given; pass result files or directories.");
        return found;
    }

    /// <summary>A file the user named: if it is not an eval result at all, say what the report expects instead.</summary>
    static EvalSummary ReadNamed(string path)
    {
        try { return EvalSummary.Read(path); }
        catch (InvalidDataException e) when (!LooksLikeEvalResult(path))
        {
            throw new InvalidDataException($"{e.Message.TrimEnd('.')}. This is not an eval result: `eval report` reads the files written by "
                + "`tsumugi eval perplexity|tasks|english|judge --output FILE.json`.", e);
        }
    }

    /// <summary>True when the file starts like an <see cref="EvalSummary"/>: a JSON object whose first field is "kind".</summary>
    public static bool LooksLikeEvalResult(string path)
    {
        var buffer = new byte[SniffBytes];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(buffer, SniffBytes, throwOnEndOfStream: false);
        var head = Encoding.UTF8.GetString(buffer, 0, read).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (!head.StartsWith('{')) return false;
        return head[1..].TrimStart().StartsWith("\"kind\"", StringComparison.Ordinal);
    }
}
