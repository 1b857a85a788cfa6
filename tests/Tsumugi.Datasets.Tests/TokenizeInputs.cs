using System.Text;
using System.Text.Json;
using ZstdSharp;

namespace Tsumugi.Datasets.Tests;

/// <summary>Input files for <c>DatasetTokenizer</c> tests: corpus-style records, written raw so tests can corrupt them.</summary>
public static class TokenizeInputs
{
    /// <summary>A corpus record line as <c>corpus clean</c> writes it (id, text, domain, quality, meta).</summary>
    public static string Record(string text, string? domain = null, string id = "x")
    {
        var fields = new Dictionary<string, object> { ["id"] = id, ["text"] = text, ["quality"] = "high", ["meta"] = new { format = "json" } };
        if (domain is not null) fields["domain"] = domain;
        return JsonSerializer.Serialize(fields);
    }

    public static string WriteJsonl(string path, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Join("\n", lines) + "\n", new UTF8Encoding(false));
        return path;
    }

    public static string WriteZst(string path, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var zstd = new CompressionStream(file, 3);
        zstd.Write(new UTF8Encoding(false).GetBytes(string.Join("\n", lines) + "\n"));
        return path;
    }

    /// <summary>Document i: a sentence mixing words, kana and byte-fallback characters, of a length that varies with i.</summary>
    public static string Text(int i) =>
        string.Concat(Enumerable.Range(0, 1 + i % 7).Select(k => ((i + k) % 3) switch
        {
            0 => $"東京大学で日本の言葉を学習しました{i}。",
            1 => $" the cat data {i * 31 % 97}!",
            _ => $"「猫」と「犬」と 鯨{k}",
        }));
}
