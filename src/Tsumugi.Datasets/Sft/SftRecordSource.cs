using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Serialization;
using Tsumugi.Corpus.Reading;
using ZstdSharp;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The records of one SFT file: JSONL (a record per line), JSON (an array of records, an object holding one list of
/// records, or a single record), or Parquet (a record per row, nested lists and structs as JSON); each plain, .gz or .zst.
/// A line that is not JSON comes back as an error record; a file that cannot be read at all throws.
/// </summary>
internal static class SftRecordSource
{
    public static bool IsSftFile(string path) => Extension(path) is ".jsonl" or ".ndjson" or ".json" or ".parquet";

    private static string Extension(string path)
    {
        var name = path.ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        else if (name.EndsWith(".zst", StringComparison.Ordinal)) name = name[..^4];
        return Path.GetExtension(name);
    }

    public static IEnumerable<SftRawRecord> Read(string path, ISet<string> recordFields)
    {
        return Extension(path) switch
        {
            ".jsonl" or ".ndjson" => ReadJsonLines(path),
            ".json" => ReadJson(path, recordFields),
            ".parquet" => ReadParquet(path),
            _ => throw new SftDataException($"{path}: not an SFT file type (expected .jsonl, .json or .parquet, optionally .gz or .zst)"),
        };
    }

    private static Stream Open(string path)
    {
        Stream file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return new GzipCheckStream(new GZipStream(file, CompressionMode.Decompress), path);
        if (path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)) return new DecompressionStream(file);
        return file;
    }

    private static IEnumerable<SftRawRecord> ReadJsonLines(string path)
    {
        using var reader = new StreamReader(Open(path), Encoding.UTF8);
        long line = 0;
        while (ReadLine(reader, path, line) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            yield return Parse(text, new SftLocation(path, line, line - 1));
        }
    }

    // A damaged compressed stream surfaces as an exception from the decoder: name the file and line instead.
    private static string? ReadLine(StreamReader reader, string path, long linesRead)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ZstdException)
        {
            throw new SftDataException($"{path}:{linesRead + 1}: cannot read the file ({e.Message.Trim()}); the compressed stream is damaged or cut short — re-download or re-compress it");
        }
    }

    private static SftRawRecord Parse(string json, SftLocation location)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return new SftRawRecord(location, doc.RootElement.Clone(), json, null);
        }
        catch (JsonException e)
        {
            return new SftRawRecord(location, default, json, $"not valid JSON ({e.Message.Split(". ")[0]})");
        }
    }

    private static IEnumerable<SftRawRecord> ReadJson(string path, ISet<string> recordFields)
    {
        JsonDocument doc;
        try
        {
            using var stream = Open(path);
            doc = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SftDataException($"{path}:{(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message.Split(". ")[0]}); fix the file, or write it as JSONL (one record per line) so one bad record does not stop the rest");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ZstdException)
        {
            throw new SftDataException($"{path}: cannot read the file ({e.Message.Trim()}); the compressed stream is damaged or cut short");
        }
        using (doc)
        {
            var records = RecordList(path, doc.RootElement, recordFields);
            long index = 0;
            foreach (var element in records)
            {
                yield return new SftRawRecord(new SftLocation(path, 0, index), element.Clone(), element.GetRawText(), null);
                index++;
            }
        }
    }

    /// <summary>
    /// The records of a JSON document: an array; an object with a record field (one record); or an object holding
    /// exactly one list (<c>{"version": 2, "data": [...]}</c>).
    /// </summary>
    private static IEnumerable<JsonElement> RecordList(string path, JsonElement root, ISet<string> recordFields)
    {
        if (root.ValueKind == JsonValueKind.Array) return root.EnumerateArray();
        if (root.ValueKind != JsonValueKind.Object)
            throw new SftDataException($"{path}: the JSON is a {root.ValueKind}, not an array or object of records");
        if (root.EnumerateObject().Any(p => recordFields.Contains(p.Name))) return [root];
        var lists = root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array).ToList();
        return lists.Count switch
        {
            1 => lists[0].Value.EnumerateArray(),
            0 => throw new SftDataException($"{path}: the JSON object holds no list of records (fields: {string.Join(", ", root.EnumerateObject().Select(p => p.Name))}); write the records as an array or JSONL"),
            _ => throw new SftDataException($"{path}: the JSON object holds several lists ({string.Join(", ", lists.Select(p => p.Name))}); keep only the list of records, or write them as JSONL"),
        };
    }

    private static IEnumerable<SftRawRecord> ReadParquet(string path)
    {
        // Parquet needs a seekable stream: a compressed file is decompressed into memory first.
        Stream stream = Open(path);
        if (!stream.CanSeek)
        {
            var memory = new MemoryStream();
            using (stream) stream.CopyTo(memory);
            memory.Position = 0;
            stream = memory;
        }
        IList<Dictionary<string, object>> rows;
        try
        {
            using (stream)
            {
                rows = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult().Data;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ParquetException)
        {
            throw new SftDataException($"{path}: not a readable Parquet file ({e.Message.Trim()})");
        }
        for (var i = 0; i < rows.Count; i++)
        {
            var element = JsonSerializer.SerializeToElement(ParquetJson.ToNode(rows[i]));
            yield return new SftRawRecord(new SftLocation(path, 0, i), element, element.GetRawText(), null);
        }
    }
}
