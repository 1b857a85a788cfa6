using System.Text;
using System.Text.Json;
using ZstdSharp;

namespace Tsumugi.Corpus.Tests;

/// <summary>Helpers to write inputs and read back .jsonl.zst outputs.</summary>
public static class CorpusFiles
{
    public static void WriteJsonl(string path, IEnumerable<string> texts) =>
        File.WriteAllLines(path, texts.Select(t => JsonSerializer.Serialize(new { text = t })));

    public static List<JsonElement> ReadAll(string dir, string pattern = "*.jsonl.zst")
    {
        var list = new List<JsonElement>();
        if (!Directory.Exists(dir)) return list;
        foreach (var f in Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (f.EndsWith(".tmp")) continue;
            var bytes = new Decompressor().Unwrap(File.ReadAllBytes(f)).ToArray();
            foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                list.Add(JsonDocument.Parse(line).RootElement.Clone());
        }
        return list;
    }

    /// <summary>
    /// Japanese-looking text that passes the default filters: random two-kanji words joined by particles, sentences
    /// ending in 。, a line break every three sentences (varied enough for the repetition rules).
    /// </summary>
    public static string JapaneseArticle(int seed, int sentences = 12)
    {
        string[] particles = ["は", "が", "を", "に", "で", "と", "の", "も", "から", "まで"];
        string[] endings = ["ました。", "です。", "でした。", "ません。", "ています。", "だろう。"];
        var rng = new Random(seed);
        var sb = new StringBuilder();
        for (int i = 0; i < sentences; i++)
        {
            int words = rng.Next(3, 7);
            for (int w = 0; w < words; w++)
            {
                sb.Append((char)(0x4E00 + rng.Next(0, 3000)));
                sb.Append((char)(0x4E00 + rng.Next(0, 3000)));
                sb.Append(particles[rng.Next(particles.Length)]);
            }
            sb.Append((char)(0x4E00 + rng.Next(0, 3000)));
            sb.Append(endings[rng.Next(endings.Length)]);
            if (i % 3 == 2) sb.Append('\n');
        }
        return sb.ToString().Trim();
    }
}
