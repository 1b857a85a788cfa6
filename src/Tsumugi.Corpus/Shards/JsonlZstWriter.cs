using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Corpus.Reading;
using ZstdSharp;

namespace Tsumugi.Corpus.Shards;

/// <summary>
/// Writes documents as zstd-compressed JSON lines to a <see cref="PendingFile"/> beside the shard's path;
/// <see cref="Commit"/> publishes it (one fsync and rename per shard), so a crashed run never leaves a half-written
/// shard under the final name.
/// </summary>
public sealed class JsonlZstWriter : IDisposable
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly PendingFile _file;
    readonly CompressionStream _zstd;
    readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    readonly Utf8JsonWriter _json;
    bool _committed;

    public JsonlZstWriter(string path, int level = 3)
    {
        _file = AtomicFile.Create(path);
        _zstd = new CompressionStream(_file.Stream, level, leaveOpen: true);
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
            WriteValue(value);
        }
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        WriteBuffer();
    }

    /// <summary>
    /// A metadata value: the common kinds written directly (what <see cref="JsonSerializer"/> writes for them, without
    /// its per-type machinery on every kept document), anything else through the serializer.
    /// </summary>
    void WriteValue(object? value)
    {
        switch (value)
        {
            case string s: _json.WriteStringValue(s); break;
            case long l: _json.WriteNumberValue(l); break;
            case int i: _json.WriteNumberValue(i); break;
            case bool b: _json.WriteBooleanValue(b); break;
            case double d: _json.WriteNumberValue(d); break;
            case JsonElement e: e.WriteTo(_json); break;
            default: JsonSerializer.Serialize(_json, value, value?.GetType() ?? typeof(object)); break;
        }
    }

    /// <summary>Writes an input record that could not be read (kept with --keep-rejected so nothing is silent).</summary>
    public void WriteIssue(ReadIssue issue)
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
        WriteBuffer();
    }

    /// <summary>Writes a line as it is (dedup copies the lines it keeps byte for byte).</summary>
    public void WriteLine(string line)
    {
        _buffer.ResetWrittenCount();
        Encoding.UTF8.GetBytes(line, _buffer);
        WriteBuffer();
    }

    void WriteBuffer()
    {
        _zstd.Write(_buffer.WrittenSpan);
        _zstd.WriteByte((byte)'\n');
        Count++;
    }

    public void Commit()
    {
        _zstd.Dispose(); // ends the zstd frame; the file stays open for the commit
        _file.Commit();
        _committed = true;
    }

    /// <summary>Without a <see cref="Commit"/>, deletes the temporary: the shard's final path is left as it was.</summary>
    public void Dispose()
    {
        _json.Dispose();
        if (_committed) return;
        _zstd.Dispose();
        _file.Dispose();
    }
}
