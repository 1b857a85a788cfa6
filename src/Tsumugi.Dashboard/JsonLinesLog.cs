using System.Text.Json;

namespace Tsumugi.Dashboard;

/// <summary>
/// events.jsonl or samples.jsonl held as the raw text of each whole line that is a JSON object, brought up to date
/// incrementally like <see cref="MetricsLog"/>. The API answers with these lines as one JSON array, so nothing is
/// re-serialised and keys the trainer adds later pass through unchanged.
/// </summary>
public sealed class JsonLinesLog(string path)
{
    readonly JsonLinesTail _tail = new(path);
    readonly Lock _lock = new();
    readonly List<byte[]> _lines = [];

    /// <summary>The whole lines so far (a copy), and the bytes of the file they came from.</summary>
    public (IReadOnlyList<byte[]> Lines, long Offset) Refresh()
    {
        lock (_lock)
        {
            _tail.ReadNew(line => { if (IsObject(line)) _lines.Add(line.ToArray()); }, _lines.Clear);
            return ([.. _lines], _tail.Offset);
        }
    }

    /// <summary>True when <paramref name="line"/> is one complete JSON object (what every *.jsonl line of a run is).</summary>
    public static bool IsObject(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            reader.Skip();
            return !reader.Read(); // nothing after the object
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The lines as one JSON array, bytes for bytes.</summary>
    public static byte[] ToArray(IReadOnlyList<byte[]> lines)
    {
        using var buffer = new MemoryStream(lines.Sum(l => l.Length + 1) + 2);
        buffer.WriteByte((byte)'[');
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0) buffer.WriteByte((byte)',');
            buffer.Write(lines[i]);
        }
        buffer.WriteByte((byte)']');
        return buffer.ToArray();
    }
}
