using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Training.Loop;

/// <summary>
/// An append-only JSON-lines file (metrics.jsonl, events.jsonl), flushed after every line so a killed run loses at
/// most the line being written. Doubles are written round-trip exact, so resumed and uninterrupted runs compare
/// bit for bit. A line torn by a kill (no final newline) is cut when the file is opened again, so the next line
/// never glues onto it; <see cref="Read"/> names the file and line of any line that is not JSON.
/// </summary>
public sealed class JsonLinesLog : IDisposable
{
    private readonly FileStream _stream;

    /// <param name="truncateTo">Cut the file to this many bytes first (a resume drops lines written after its checkpoint).</param>
    public JsonLinesLog(string path, long? truncateTo = null)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (truncateTo is { } length && length < _stream.Length) _stream.SetLength(length);
        var complete = CompleteLength(_stream);
        if (complete < _stream.Length)
        {
            TornTail = $"{path}: cut a torn last line ({_stream.Length - complete} bytes without a newline, from a run killed while writing it)";
            _stream.SetLength(complete);
        }
        _stream.Seek(0, SeekOrigin.End);
    }

    public string Path { get; }
    public long Length => _stream.Length;

    /// <summary>Set when opening cut a torn last line: what was cut, for the run's log.</summary>
    public string? TornTail { get; }

    public void Append(JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString(Options) + "\n");
        _stream.Write(bytes);
        _stream.Flush();
    }

    /// <summary>Rollback: drops the lines after <paramref name="length"/> bytes (a checkpoint's recorded length).</summary>
    public void TruncateTo(long length)
    {
        if (length < _stream.Length) _stream.SetLength(length);
        _stream.Seek(0, SeekOrigin.End);
    }

    // A diverged step's NaN/Infinity loss is written as the string "NaN"/"Infinity" (JSON has no such numbers);
    // without this, logging the very step that shows the divergence would throw.
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A logged number, also when it was written as "NaN"/"Infinity" (see <see cref="Options"/>); NaN when absent.</summary>
    public static double Number(JsonNode? node) => node switch
    {
        null => double.NaN,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        _ => double.NaN,
    };

    /// <summary>Bytes up to and including the last newline.</summary>
    private static long CompleteLength(FileStream stream)
    {
        var position = stream.Length;
        var buffer = new byte[4096];
        while (position > 0)
        {
            var count = (int)Math.Min(buffer.Length, position);
            stream.Seek(position - count, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            var newline = Array.LastIndexOf(buffer, (byte)'\n', count - 1);
            if (newline >= 0) return position - count + newline + 1;
            position -= count;
        }
        return 0;
    }

    /// <summary>
    /// Reads every line of a log (tests, plots, reports). A line that is not a JSON object throws an
    /// <see cref="InvalidDataException"/> naming the file and line — or, with <paramref name="skipBad"/>, is skipped
    /// and described there (readers for which a lost point is harmless, such as the loss plot).
    /// </summary>
    public static IReadOnlyList<JsonObject> Read(string path, ICollection<string>? skipBad = null)
    {
        var lines = new List<JsonObject>();
        var number = 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } text)
        {
            number++;
            if (text.Length == 0) continue;
            if (Parse(text, out var error) is { } o) lines.Add(o);
            else if (skipBad is not null) skipBad.Add($"{path}:{number}: skipped a line that is not JSON ({error})");
            else throw new InvalidDataException($"{path}:{number}: not a JSON object ({error}); a torn line from two trainers writing at once or a kill? Delete that line and retry");
        }
        return lines;
    }

    /// <summary>The numbers of the lines of <paramref name="path"/> that are not JSON objects (a resume reports them).</summary>
    public static IReadOnlyList<string> Check(string path)
    {
        var problems = new List<string>();
        if (File.Exists(path)) Read(path, problems);
        return problems;
    }

    private static JsonObject? Parse(string text, out string? error)
    {
        error = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o) return o;
            error = "not an object";
        }
        catch (JsonException e)
        {
            error = e.Message;
        }
        return null;
    }

    public void Dispose() => _stream.Dispose();
}
