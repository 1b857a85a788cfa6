using System.IO.Compression;
using System.Text;
using Parquet.Schema;
using Parquet.Serialization;
using ZstdSharp;

namespace Tsumugi.Datasets.Tests.Sft;

/// <summary>Writes small SFT files in the shapes and containers real data sets ship in.</summary>
internal static class SftFiles
{
    public static string Write(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else if (path.EndsWith(".zst", StringComparison.Ordinal))
        {
            using var compressor = new Compressor(3);
            File.WriteAllBytes(path, compressor.Wrap(bytes).ToArray());
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    public static string Lines(string path, params string[] lines) => Write(path, string.Join("\n", lines) + "\n");

    /// <summary>A Parquet file with an <c>id</c> column and a <c>messages</c> list of {role, content} structs, as HF data sets have.</summary>
    public static string MessagesParquet(string path, params (string Role, string Content)[][] conversations)
    {
        var schema = new ParquetSchema(
            new DataField<string>("id"),
            new ListField("messages", new StructField("element", new DataField<string>("role"), new DataField<string>("content"))));
        var rows = conversations.Select((c, i) => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["id"] = $"r{i}",
            ["messages"] = c.Select(m => (IDictionary<string, object>)new Dictionary<string, object> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
        }).ToList();
        using var file = File.Create(path);
        ParquetSerializer.SerializeUntypedAsync(rows, schema, file).GetAwaiter().GetResult();
        return path;
    }
}
