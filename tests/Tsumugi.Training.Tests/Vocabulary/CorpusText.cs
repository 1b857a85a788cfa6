using System.Net;
using System.Text.RegularExpressions;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Vocabulary;

/// <summary>Plain-text lines from ../shared/corpus (HTML tags stripped), in a stable file order, for tiny tokenizers.</summary>
public static partial class CorpusText
{
    public static string Directory => RepoPaths.SharedCorpus;

    /// <summary>Lines of one language folder (ja, en) until <paramref name="maxChars"/> characters.</summary>
    public static List<string> Lines(string language, int maxChars)
    {
        var lines = new List<string>();
        long total = 0;
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(Directory, language), "*.html", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var text = WebUtility.HtmlDecode(Tag().Replace(File.ReadAllText(file), "\n"));
            foreach (var raw in text.Split('\n'))
            {
                var line = Spaces().Replace(raw, " ").Trim();
                if (line.Length < 8) continue;
                lines.Add(line);
                if ((total += line.Length) >= maxChars) return lines;
            }
        }
        return lines;
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
