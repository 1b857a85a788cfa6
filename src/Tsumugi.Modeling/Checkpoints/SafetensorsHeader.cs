using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>Parses and fully validates a safetensors header with the reference reader's rules, so that every later
/// read is in range. All offsets are <see cref="long"/>: tensors and files over 2 GB work.</summary>
internal sealed class SafetensorsHeader
{
    public const long MaxHeaderBytes = 100_000_000; // the reference MAX_HEADER_SIZE

    public required IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    /// <summary>Absolute file offset of the data buffer (8 + header length).</summary>
    public required long DataStart { get; init; }

    public static SafetensorsHeader Read(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
            throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length; it is not a safetensors file or was cut short — re-download or re-save it");
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(file, path, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw Bad(path, $"header length {headerLength} exceeds the 100 MB limit; the file is corrupt or not a safetensors file");
        if ((long)headerLength > fileLength - 8)
            throw Bad(path, $"header length {headerLength} is larger than the {fileLength - 8} bytes after it; the file is truncated — re-download or re-save it");
        var json = new byte[headerLength];
        ReadExactly(file, path, json, 8);
        long dataStart = 8 + (long)headerLength;
        return Parse(json, path, fileLength - dataStart, dataStart);
    }

    static SafetensorsHeader Parse(byte[] json, string path, long bufferLength, long dataStart)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad(path, $"header is not valid JSON ({e.Message}); the file is corrupt"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"header is a JSON {doc.RootElement.ValueKind}, expected an object of tensors; the file is corrupt");
            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool seenMetadata = false;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (seenMetadata) throw Bad(path, "header has \"__metadata__\" twice; the file is corrupt");
                    seenMetadata = true;
                    ParseMetadata(property.Value, path, metadata);
                    continue;
                }
                if (entries.ContainsKey(property.Name))
                    throw Bad(path, $"tensor '{property.Name}' appears twice in the header; duplicate names are forbidden — re-save the file");
                entries.Add(property.Name, ParseEntry(property.Name, property.Value, path));
            }
            CheckLayout(entries.Values, path, bufferLength);
            return new SafetensorsHeader { Entries = entries, Metadata = metadata, DataStart = dataStart };
        }
    }

    static void ParseMetadata(JsonElement value, string path, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, "\"__metadata__\" must be an object of strings; the file is corrupt");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"\"__metadata__\" field '{m.Name}' is not a string; the file is corrupt");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw Bad(path, $"\"__metadata__\" field '{m.Name}' appears twice; the file is corrupt");
        }
    }

    static SafetensorsEntry ParseEntry(string name, JsonElement value, string path)
    {
        string where = $"tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"{where}: header entry is not an object; the file is corrupt");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(path, $"{where}: missing string field \"dtype\"; the file is corrupt");
        string dtype = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtype, out _, out int elementSize))
            throw Bad(path, $"{where}: unknown or unsupported dtype \"{dtype}\" (supported: {SafetensorsDTypes.Supported}); convert the checkpoint to one of these");
        long[] shape = ReadLongs(value, "shape", where, path, null);
        long[] offsets = ReadLongs(value, "data_offsets", where, path, 2);
        if (offsets[1] < offsets[0])
            throw Bad(path, $"{where}: data_offsets [{offsets[0]}, {offsets[1]}] end before they begin; the file is corrupt");
        long expected;
        try
        {
            expected = elementSize;
            foreach (long d in shape) expected = checked(expected * d);
        }
        catch (OverflowException) { throw Bad(path, $"{where}: shape [{string.Join(", ", shape)}] is too large; the file is corrupt"); }
        if (expected != offsets[1] - offsets[0])
            throw Bad(path, $"{where}: shape [{string.Join(", ", shape)}] × {dtype} is {expected} bytes but data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}; the file is corrupt");
        return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    static long[] ReadLongs(JsonElement value, string field, string where, string path, int? count)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"{where}: missing array field \"{field}\"; the file is corrupt");
        var result = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw Bad(path, $"{where}: \"{field}\" must hold non-negative integers, found {item.GetRawText()}; the file is corrupt");
            result.Add(v);
        }
        if (count is int c && result.Count != c)
            throw Bad(path, $"{where}: \"{field}\" must have {c} numbers, found {result.Count}; the file is corrupt");
        return [.. result];
    }

    // The reference reader's rule: sorted by offset, the tensors tile the data buffer exactly — no gap, no overlap,
    // nothing after the last one (8 + N + last_end == file length).
    static void CheckLayout(IEnumerable<SafetensorsEntry> entries, string path, long bufferLength)
    {
        long position = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < position)
                throw Bad(path, $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]; the file is corrupt");
            if (e.Begin > position)
                throw Bad(path, $"tensor '{e.Name}' starts at {e.Begin} but the previous tensor ends at {position}: offsets are not contiguous; the file is corrupt");
            if (e.End > bufferLength)
                throw Bad(path, $"tensor '{e.Name}' ends at data offset {e.End} but the file holds only {bufferLength} data bytes: the file is truncated — re-download or re-save it");
            position = e.End;
            previous = e;
        }
        if (position != bufferLength)
            throw Bad(path, $"the tensors cover {position} data bytes but the file holds {bufferLength}: {bufferLength - position} trailing bytes not covered by any tensor; the file is corrupt");
    }

    internal static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path, Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(file, destination, offset);
            if (n == 0) throw Bad(path, $"unexpected end of file at byte {offset}; the file was truncated while open");
            destination = destination[n..];
            offset += n;
        }
    }

    internal static CheckpointException Bad(string path, string what) => new($"{path}: {what}.");
}
