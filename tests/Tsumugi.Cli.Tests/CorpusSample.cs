using System.Net;
using System.Text.RegularExpressions;

namespace Tsumugi.Cli.Tests;

/// <summary>Plain-text lines of ../shared/corpus (tags stripped) written to a file, as input for `tokenizer train`.</summary>
public static partial class CorpusSample
{
    /// <summary>Writes the first <paramref name="maxChars"/> characters of text of one language folder (ja, en) to <paramref name="path"/>.</summary>
    public static string Write(string language, int maxChars, string path)
    {
        var lines = new List<string>();
        long total = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.SharedCorpus, language), "*.html", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (var raw in WebUtility.HtmlDecode(Tag().Replace(File.ReadAllText(file), "\n")).Split('\n'))
            {
                var line = Spaces().Replace(raw, " ").Trim();
                if (line.Length < 8) continue;
                lines.Add(line);
                if ((total += line.Length) >= maxChars) break;
            }
            if (total >= maxChars) break;
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
