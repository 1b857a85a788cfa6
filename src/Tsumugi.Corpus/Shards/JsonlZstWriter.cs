using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using ZstdSharp;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// Writes documents as zstd-compressed JSON lines to <c>path.tmp</c>; <see cref="Commit"/> renames it into place,
/// so a crashed run never leaves a half-written shard under the final name.
/// </summary>
public sealed class JsonlZstWriter : IDisposable
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly string _path;
    readonly FileStream _file;
    readonly CompressionStream _zstd;
    readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    readonly Utf8JsonWriter _json;
    bool _committed;

    public JsonlZstWriter(string path, int level = 3)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _file = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _zstd = new CompressionStream(_file, level);
        _json = new Utf8JsonWriter(_buffer, Options);
    }

    public long Count { get; private set; }

    public void Write(Document doc, string? reason = null)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString("id", doc.Id);
        _json.WriteString("text", doc.Text);
        _json.WriteStartObject("source");
        _json.WriteString("file", doc.Source.File);
        if (doc.Source.Line > 0) _json.WriteNumber("line", doc.Source.Line);
        else _json.WriteNumber("offset", doc.Source.Offset);
        _json.WriteEndObject();
        _json.WriteString("domain", doc.Domain);
        _json.WriteString("quality", doc.Quality);
        if (reason is not null) _json.WriteString("reason", reason);
        _json.WritePropertyName("meta");
        _json.WriteStartObject();
        foreach (var (key, value) in doc.Meta)
        {
            _json.WritePropertyName(key);
            JsonSerializer.Serialize(_json, value, value?.GetType() ?? typeof(object));
        }
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _zstd.Write(_buffer.WrittenSpan);
        _zstd.WriteByte((byte)'\n');
        Count++;
    }

    /// <summary>Writes an input record that could not be read (kept with --keep-rejected so nothing is silent).</summary>
    public void WriteIssue(Reading.ReadIssue issue)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteStartObject("source");
        _json.WriteString("file", issue.File);
        _json.WriteNumber("line", issue.Line);
        _json.WriteEndObject();
        _json.WriteString("reason", $"error:{issue.Kind}: {issue.Message}");
        _json.WriteEndObject();
        _json.Flush();
        _zstd.Write(_buffer.WrittenSpan);
        _zstd.WriteByte((byte)'\n');
        Count++;
    }

    public void Commit()
    {
        _zstd.Dispose();
        _file.Dispose();
        File.Move(_path + ".tmp", _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _json.Dispose();
        if (_committed) return;
        _zstd.Dispose();
        _file.Dispose();
        try { File.Delete(_path + ".tmp"); } catch (IOException) { /* best effort: a stale .tmp is ignored by readers */ }
    }
}
