using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Common;

/// <summary>
/// An append-only JSONL file that survives kill -9: each record is one line, flushed as soon as it is written, and on
/// reopening a torn last line (a record cut by the kill) is cut off, so the file holds whole records only and the work
/// they stand for is never redone or counted twice. Used by online DPO's samples and by `synth`'s request cache and
/// record journal.
/// </summary>
public sealed class ResumableJsonl : IDisposable
{
    private readonly StreamWriter _writer;

    /// <summary>The whole records already in the file, in order.</summary>
    public IReadOnlyList<JsonObject> Existing { get; }

    public ResumableJsonl(string path)
    {
        Existing = ReadWhole(path, out var goodBytes);
        if (File.Exists(path) && new FileInfo(path).Length != goodBytes)
            using (var f = new FileStream(path, FileMode.Open, FileAccess.Write)) f.SetLength(goodBytes);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write), new UTF8Encoding(false));
    }

    /// <summary>Japanese stays readable in the file: only what JSON requires is escaped.</summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Append(JsonObject record)
    {
        _writer.Write(record.ToJsonString(Options));
        _writer.Write('\n');
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Whole lines that parse as JSON objects; stops at the first that does not (everything after it is a torn tail).</summary>
    public static List<JsonObject> ReadWhole(string path, out long goodBytes)
    {
        var records = new List<JsonObject>();
        goodBytes = 0;
        if (!File.Exists(path)) return records;
        var bytes = File.ReadAllBytes(path);
        var start = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) break; // no newline: the kill cut this record
            try
            {
                if (JsonNode.Parse(bytes.AsSpan(start, end - start)) is not JsonObject record) break;
                records.Add(record);
            }
            catch (JsonException)
            {
                break;
            }
            start = end + 1;
            goodBytes = start;
        }
        return records;
    }
}
