using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Training.Loop;

/// <summary>
/// An append-only JSON-lines file (metrics.jsonl, events.jsonl), flushed after every line so a killed run loses at
/// most the line being written. Doubles are written round-trip exact, so resumed and uninterrupted runs compare
/// bit for bit.
/// </summary>
public sealed class JsonLinesLog : IDisposable
{
    private readonly FileStream _stream;

    /// <param name="truncateTo">Cut the file to this many bytes first (a resume drops lines written after its checkpoint).</param>
    public JsonLinesLog(string path, long? truncateTo = null)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        if (truncateTo is { } length && length < _stream.Length) _stream.SetLength(length);
        _stream.Seek(0, SeekOrigin.End);
    }

    public string Path { get; }
    public long Length => _stream.Length;

    public void Append(JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString(Options) + "\n");
        _stream.Write(bytes);
        _stream.Flush();
    }

    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads every complete line of a log (tests, plots, reports).</summary>
    public static IReadOnlyList<JsonObject> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    public void Dispose() => _stream.Dispose();
}
