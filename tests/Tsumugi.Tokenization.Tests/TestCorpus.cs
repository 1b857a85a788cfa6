using System.Net;
using System.Text.RegularExpressions;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Crude text extraction from ../shared/corpus for tests (tags stripped, entities decoded, one line per paragraph).</summary>
public static partial class TestCorpus
{
    public static string RepoRoot { get; } = FindRoot();

    // The build output may live outside the tree (--artifacts-path), so fall back to the working directory
    // and to this source file's location.
    static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(source) ?? "" })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Tsumugi.sln"))) return d.FullName;
        throw new InvalidOperationException("Tsumugi.sln not found above " + AppContext.BaseDirectory);
    }

    public static string CorpusDir => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus"));

    [GeneratedRegex("<(script|style)[^>]*>.*?</\\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ScriptRe();
    [GeneratedRegex("<[^>]+>")]
    private static partial Regex TagRe();
    [GeneratedRegex("[ \\t\\r]+")]
    private static partial Regex SpaceRe();

    static readonly Dictionary<string, List<string>> Cache = new();

    /// <summary>Lines of one domain (ja/en/code), in a stable file order; at most <paramref name="maxChars"/> characters.</summary>
    public static List<string> Lines(string domain, int maxChars)
    {
        lock (Cache)
        {
            string key = domain + maxChars;
            if (Cache.TryGetValue(key, out var hit)) return hit;
            var files = Directory.GetFiles(Path.Combine(CorpusDir, domain), "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal);
            var lines = new List<string>();
            long total = 0;
            foreach (var f in files)
            {
                string text = File.ReadAllText(f);
                if (f.EndsWith(".html", StringComparison.Ordinal))
                    text = WebUtility.HtmlDecode(TagRe().Replace(ScriptRe().Replace(text, " "), "\n"));
                foreach (var raw in text.Split('\n'))
                {
                    var line = domain == "code" ? raw.TrimEnd('\r') : SpaceRe().Replace(raw, " ").Trim();
                    if (line.Length == 0 || line.Length > 1000) continue;
                    lines.Add(line);
                    total += line.Length;
                    if (total >= maxChars) { Cache[key] = lines; return lines; }
                }
            }
            Cache[key] = lines;
            return lines;
        }
    }
}
