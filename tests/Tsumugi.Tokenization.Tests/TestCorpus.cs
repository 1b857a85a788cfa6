using System.Net;
using System.Text.RegularExpressions;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Crude text extraction from ../shared/corpus for tests (tags stripped, entities decoded, one line per paragraph).</summary>
public static partial class TestCorpus
{
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
            var files = Directory.GetFiles(Path.Combine(RepoPaths.SharedCorpus, domain), "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal);
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
