using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Parquet;
using Tsumugi.Corpus.Html;
using ZstdSharp;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Streams documents out of any supported file. Never throws for bad input: every problem becomes a
/// <see cref="ReadIssue"/> (file:line, kind), and a problem that loses input counts as one errored record.
/// One instance per worker thread (it owns an HTML parser).
/// </summary>
public sealed class CorpusReader(ReaderOptions options)
{
    const int SniffBytes = 64 * 1024;
    // Made on the first HTML page: building AngleSharp's parser is a start-up cost a run over JSONL or text never needs.
    HtmlExtractor? _html;
    // Reused across files: a web corpus is many small files, and fresh 64 K-char buffers per file (128 KB each, on the
    // large-object heap) made the GC, not the parsing, the main cost of reading HTML.
    readonly char[] _chunk = new char[ChunkChars];
    readonly StringBuilder _page = new();
    const int ChunkChars = 1 << 14;
    // The first bytes of every file (empty? binary? encoding?), reused across files. A file that fits in it whole (most
    // web pages) is decoded straight from it: no second open, no StreamReader and its buffers per file.
    readonly byte[] _prefix = new byte[SniffBytes];
    char[] _decoded = [];
    readonly Utf8JsonRecord _record = new(options.TextField);

    public ReaderOptions Options => options;

    public static InputFormat FormatOf(string path)
    {
        var name = path.ToLowerInvariant();
        if (name.EndsWith(".gz")) name = name[..^3];
        else if (name.EndsWith(".zst")) name = name[..^4];
        var ext = Path.GetExtension(name);
        return ext switch
        {
            ".txt" or ".md" or ".text" or ".rst" => InputFormat.Text,
            ".py" or ".c" or ".h" or ".cc" or ".cpp" or ".hpp" or ".cs" or ".java" or ".js" or ".ts" or ".go" or ".rs"
                or ".rb" or ".sh" or ".pl" or ".php" or ".swift" or ".kt" or ".scala" or ".lua" or ".sql" => InputFormat.Code,
            ".html" or ".htm" or ".xhtml" => InputFormat.Html,
            ".jsonl" or ".ndjson" => InputFormat.JsonLines,
            ".json" => InputFormat.Json,
            ".parquet" => InputFormat.Parquet,
            _ => InputFormat.Unknown,
        };
    }

    /// <summary>Reads one file. Enumerating never throws for I/O or format problems.</summary>
    public IEnumerable<ReadItem> Read(string path)
    {
        var ctx = new FileContext(path);
        IEnumerator<ReadItem>? items = null;
        ReadIssue? failure = null;
        try { items = ReadCore(ctx).GetEnumerator(); }
        catch (Exception e) { failure = Classify(e, ctx); }
        while (failure is null && items is not null)
        {
            ReadItem item;
            try
            {
                if (!items.MoveNext()) break;
                item = items.Current;
            }
            catch (Exception e)
            {
                failure = Classify(e, ctx);
                break;
            }
            if (item.Document is not null) ctx.Documents++;
            yield return item;
        }
        try { items?.Dispose(); } catch (Exception) { /* a broken stream failing again on close adds nothing */ }
        if (failure is null && ctx.Damage is { } damage) failure = DamageIssue(ctx, damage);
        if (failure is not null) yield return ReadItem.Of(failure);
        if (ctx.Fallback is { InvalidBytes: > 0 } fb)
            yield return ReadItem.Of(new ReadIssue("invalid_bytes", path, 0,
                $"{fb.InvalidBytes} invalid byte(s) replaced by U+FFFD", IsRecord: false, Count: fb.InvalidBytes));
    }

    sealed class FileContext(string path)
    {
        public string Path { get; } = path;
        public long Line;
        public CountingDecoderFallback? Fallback;
        public bool Compressed => Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || Path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase);
        /// <summary>The decompressing stream being read (null for plain files): its failure is the file's damage.</summary>
        public SalvagingStream? Decoded;
        /// <summary>Damage found while sniffing a file that is then not read again (one whole-file document).</summary>
        public DamagedInputException? SniffDamage;
        public DamagedInputException? Damage => SniffDamage ?? Decoded?.Failure;
        /// <summary>Documents returned so far, and the line a cut ended inside (dropped, not reported as malformed).</summary>
        public long Documents, CutLine;
    }

    /// <summary>One errored record for a damaged compressed file: what is wrong, and what was kept before it.</summary>
    static ReadIssue DamageIssue(FileContext ctx, DamagedInputException damage)
    {
        var cut = ctx.CutLine > 0 ? $"; dropped the cut-off line {ctx.CutLine}" : "";
        return new ReadIssue(damage.Kind, ctx.Path, ctx.Line,
            $"{damage.Message}; kept the {ctx.Documents} document(s) read before it{cut}; the rest of the file is lost — re-download or re-compress it",
            IsRecord: true);
    }

    static ReadIssue Classify(Exception e, FileContext ctx)
    {
        string kind = e switch
        {
            DamagedInputException damaged => damaged.Kind,
            UnauthorizedAccessException => "unreadable",
            FileNotFoundException or DirectoryNotFoundException => "unreadable",
            ZstdException or InvalidDataException or EndOfStreamException when ctx.Compressed => "truncated",
            IOException when ctx.Compressed => "truncated",
            _ => "unreadable",
        };
        string hint = kind == "truncated" ? "the compressed stream is damaged or cut short; re-download or re-compress it" : "check the file's permissions and format";
        return new ReadIssue(kind, ctx.Path, ctx.Line, $"{e.Message.Trim()} ({hint}); the rest of the file was skipped", IsRecord: true);
    }

    /// <summary>
    /// The file's bytes, decompressed; a compressed file comes through a <see cref="SalvagingStream"/> (returned in
    /// <paramref name="salvage"/>), so damage ends the data after the last good byte instead of throwing.
    /// </summary>
    static Stream OpenDecoded(string path, out SalvagingStream? salvage, bool unbuffered = false)
    {
        // unbuffered: the caller reads in large blocks itself (a FileStream buffer would only be one more copy).
        bool compressed = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase);
        Stream s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, unbuffered && !compressed ? 0 : 1 << 14);
        salvage = null;
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return salvage = new SalvagingStream(new GzipCheckStream(s, path), path);
        if (path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)) return salvage = new SalvagingStream(new DecompressionStream(s), path);
        return s;
    }

    IEnumerable<ReadItem> ReadCore(FileContext ctx)
    {
        var path = ctx.Path;
        var format = FormatOf(path);
        if (format == InputFormat.Parquet)
        {
            foreach (var item in ReadParquet(ctx)) yield return item;
            yield break;
        }
        if (format == InputFormat.Unknown) format = InputFormat.Text;

        // Sniff the first bytes: empty, binary, encoding. Then reopen (cheap) instead of stitching streams together.
        byte[] prefix = _prefix;
        int got;
        DamagedInputException? sniffDamage;
        using (var probe = OpenDecoded(path, out var sniffed, unbuffered: true))
        {
            got = probe.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            sniffDamage = sniffed?.Failure;
        }
        if (got == 0 && sniffDamage is not null)
        {
            ctx.SniffDamage = sniffDamage; // nothing decodable at all: reported as the file's damage
            yield break;
        }
        if (got == 0)
        {
            yield return ReadItem.Of(new ReadIssue("empty", path, 0, "file is empty; nothing to read", IsRecord: false));
            yield break;
        }
        var head = prefix.AsSpan(0, got);
        var (encoding, bom) = EncodingDetector.Detect(head, atEnd: got < prefix.Length);
        if (bom == 0 && head.IndexOf((byte)0) >= 0)
        {
            yield return ReadItem.Of(new ReadIssue("binary", path, 0, "file contains NUL bytes (binary?); skipped — remove it from the input or fix its extension", IsRecord: true));
            yield break;
        }
        ctx.Fallback = new CountingDecoderFallback();
        var decoding = Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ReplacementFallback, ctx.Fallback);
        bool whole = format == InputFormat.Html || (format is InputFormat.Text or InputFormat.Code && options.TxtMode != TextMode.Paragraph);
        if (whole && sniffDamage is not null)
        {
            ctx.SniffDamage = sniffDamage; // the file is one document, and it is cut: nothing complete to keep
            yield break;
        }
        if (whole && got < prefix.Length)
        {
            // The whole file is in the prefix: decode it in one call. Same text and invalid-byte count as the
            // StreamReader path below (which drops a preamble that matches the encoding, as done here).
            var preamble = decoding.Preamble;
            var bytes = head.StartsWith(preamble) ? head[preamble.Length..] : head;
            // One Decoder pass, as StreamReader does (Encoding.GetString would run the fallback, which counts the
            // invalid bytes, twice: once to size the string, once to fill it).
            int max = decoding.GetMaxCharCount(bytes.Length);
            if (_decoded.Length < max) _decoded = new char[Math.Max(max, 2 * _decoded.Length)];
            int n = decoding.GetDecoder().GetChars(bytes, _decoded, flush: true);
            var all = new string(_decoded, 0, n);
            var item = format == InputFormat.Html ? HtmlItem(ctx, all) : WholeTextItem(ctx, all, format);
            yield return item;
            yield break;
        }
        using var stream = OpenDecoded(path, out ctx.Decoded, unbuffered: true);
        bool json = format == InputFormat.JsonLines || (format == InputFormat.Json && !StartsArray(head));
        if (json && options.JsonFromBytes && decoding.CodePage == Encoding.UTF8.CodePage)
        {
            // UTF-8 JSON lines: parsed from the file's bytes (the text field and id only), not decoded line by line.
            foreach (var item in ReadJsonLinesUtf8(ctx, stream, decoding)) yield return item;
            yield break;
        }
        using var text = new StreamReader(stream, decoding, detectEncodingFromByteOrderMarks: false, bufferSize: ChunkChars);
        // No BOM skipping here: StreamReader drops a preamble that matches the encoding by itself.

        var items = format switch
        {
            InputFormat.JsonLines => ReadJsonLines(ctx, text),
            InputFormat.Json => ReadJson(ctx, text, head),
            InputFormat.Html => ReadHtml(ctx, text),
            InputFormat.Text when options.TxtMode == TextMode.Paragraph => ReadParagraphs(ctx, text),
            _ => ReadWholeText(ctx, text, format),
        };
        foreach (var item in items) yield return item;
    }

    Document MakeDoc(string path, long line, long offset, string text, string kind, string? id = null)
    {
        var source = new DocumentSource(path, line, offset);
        var doc = new Document { Id = id ?? MakeId(source), Text = text, Source = source, InputChars = text.Length };
        doc.Meta["format"] = kind;
        return doc;
    }

    /// <summary>A stable id from the source location, so reruns and resumed runs give the same ids.</summary>
    public static string MakeId(DocumentSource source)
    {
        var key = Encoding.UTF8.GetBytes($"{source.File}\n{source.Line}\n{source.Offset}");
        return XxHash64.HashToUInt64(key).ToString("x16");
    }

    ReadIssue TooLarge(string path, long line) =>
        new("too_large", path, line, $"document longer than reader.max_doc_chars={options.MaxDocChars}; skipped — raise the limit or split the input", IsRecord: true);

    IEnumerable<ReadItem> ReadWholeText(FileContext ctx, StreamReader text, InputFormat format)
    {
        var sb = new StringBuilder();
        var buf = _chunk;
        bool oversize = false;
        int n;
        while ((n = text.Read(buf, 0, buf.Length)) > 0)
        {
            if (oversize) continue;
            if (sb.Length + n > options.MaxDocChars) { oversize = true; sb.Clear(); continue; }
            sb.Append(buf, 0, n);
        }
        if (ctx.Damage is not null) yield break; // the file's one document is cut: reported as the damage
        if (oversize) { yield return ReadItem.Of(TooLarge(ctx.Path, 1)); yield break; }
        yield return WholeTextItem(ctx, sb.ToString(), format);
    }

    ReadItem WholeTextItem(FileContext ctx, string all, InputFormat format)
    {
        if (all.Length > options.MaxDocChars) return ReadItem.Of(TooLarge(ctx.Path, 1));
        var doc = MakeDoc(ctx.Path, 1, 0, all, format == InputFormat.Code ? "code" : "text");
        if (format == InputFormat.Code) doc.Meta["extension"] = Path.GetExtension(ctx.Path).ToLowerInvariant();
        return ReadItem.Of(doc);
    }

    IEnumerable<ReadItem> ReadParagraphs(FileContext ctx, StreamReader text)
    {
        var lines = new BoundedLineReader(text, options.MaxDocChars);
        var sb = new StringBuilder();
        long start = 0;
        bool oversize = false;
        while (true)
        {
            bool more = lines.TryReadLine(out var line, out bool longLine);
            ctx.Line = lines.LineNumber;
            bool blank = more && !longLine && string.IsNullOrWhiteSpace(line);
            if (!more || blank)
            {
                if (!more && sb.Length > 0 && !lines.LastLineTerminated && ctx.Damage is not null) ctx.CutLine = start; // cut paragraph
                else if (oversize) yield return ReadItem.Of(TooLarge(ctx.Path, start));
                else if (sb.Length > 0) yield return ReadItem.Of(MakeDoc(ctx.Path, start, 0, sb.ToString(), "text"));
                sb.Clear();
                oversize = false;
                start = 0;
                if (!more) yield break;
                continue;
            }
            if (start == 0) start = lines.LineNumber;
            if (oversize) continue;
            if (longLine || sb.Length + line!.Length + 1 > options.MaxDocChars) { oversize = true; sb.Clear(); continue; }
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(line);
        }
    }

    IEnumerable<ReadItem> ReadHtml(FileContext ctx, StreamReader text)
    {
        var sb = _page.Clear();
        var buf = _chunk;
        int n;
        // Markup is several times the text it carries; allow 4x before calling the page too large.
        long limit = 4L * options.MaxDocChars;
        bool oversize = false;
        while ((n = text.Read(buf, 0, buf.Length)) > 0)
        {
            if (oversize) continue;
            if (sb.Length + n > limit) { oversize = true; sb.Clear(); continue; }
            sb.Append(buf, 0, n);
        }
        if (ctx.Damage is not null) yield break; // a cut page: reported as the damage
        if (oversize) { yield return ReadItem.Of(TooLarge(ctx.Path, 1)); yield break; }
        var page = sb.ToString();
        if (sb.Capacity > 4 * ChunkChars * 16) sb.Clear().Capacity = ChunkChars;  // do not keep one huge page's buffer
        yield return HtmlItem(ctx, page);
    }

    ReadItem HtmlItem(FileContext ctx, string page)
    {
        // Markup is several times the text it carries; allow 4x before calling the page too large.
        if (page.Length > 4L * options.MaxDocChars) return ReadItem.Of(TooLarge(ctx.Path, 1));
        string body;
        string? title = null;
        if (options.ExtractHtml)
        {
            var extracted = (_html ??= new HtmlExtractor(options.Html)).Extract(page);
            body = extracted.Text;
            title = extracted.Title;
        }
        else body = page;
        var doc = MakeDoc(ctx.Path, 1, 0, body, "html");
        if (title is not null) doc.Meta["title"] = title;
        return ReadItem.Of(doc);
    }

    IEnumerable<ReadItem> ReadJsonLines(FileContext ctx, StreamReader text)
    {
        var lines = new BoundedLineReader(text, options.MaxDocChars);
        while (lines.TryReadLine(out var line, out bool oversize))
        {
            ctx.Line = lines.LineNumber;
            if (oversize) { yield return ReadItem.Of(TooLarge(ctx.Path, lines.LineNumber)); continue; }
            if (string.IsNullOrWhiteSpace(line)) continue;
            var item = ParseRecord(ctx.Path, lines.LineNumber, 0, line!);
            // A damaged file's last line without its newline is where the data was cut: part of the damage report.
            if (item.Issue is not null && !lines.LastLineTerminated && ctx.Damage is not null)
            {
                ctx.CutLine = lines.LineNumber;
                continue;
            }
            yield return item;
        }
    }

    IEnumerable<ReadItem> ReadJson(FileContext ctx, StreamReader text, ReadOnlySpan<byte> head) =>
        StartsArray(head) ? ReadJsonArray(ctx, text) : ReadJsonLines(ctx, text);

    /// <summary>Whether a .json file holds one array of records (else it is read as JSON lines).</summary>
    static bool StartsArray(ReadOnlySpan<byte> head)
    {
        int first = head.IndexOfAnyExcept((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n', 0xEF, 0xBB, 0xBF]);
        return first >= 0 && head[first] == (byte)'[';
    }

    /// <summary>
    /// <see cref="ReadJsonLines"/> for UTF-8: lines stay bytes (<see cref="Utf8LineReader"/>), and the common record is
    /// parsed from them (<see cref="Utf8JsonRecord"/>); any other line is decoded and read by <see cref="ParseRecord"/>,
    /// so every document and report is the one the decoding path gives.
    /// </summary>
    IEnumerable<ReadItem> ReadJsonLinesUtf8(FileContext ctx, Stream stream, Encoding decoding)
    {
        var lines = new Utf8LineReader(stream, decoding, options.MaxDocChars);
        while (true)
        {
            var kind = lines.Next(out int offset, out int length, out var text);
            if (kind == Utf8LineReader.Kind.End) yield break;
            ctx.Line = lines.LineNumber;
            if (kind == Utf8LineReader.Kind.Oversize) { yield return ReadItem.Of(TooLarge(ctx.Path, lines.LineNumber)); continue; }
            ReadItem item;
            if (kind == Utf8LineReader.Kind.Bytes)
            {
                var bytes = lines.Buffer.AsSpan(offset, length);
                if (_record.TryRead(bytes, out var fields))
                {
                    yield return ReadItem.Of(RecordDoc(ctx.Path, lines.LineNumber, fields));
                    continue;
                }
                text = lines.Decode(bytes);
            }
            if (string.IsNullOrWhiteSpace(text)) continue;
            item = ParseRecord(ctx.Path, lines.LineNumber, 0, text!);
            if (item.Issue is not null && !lines.LastLineTerminated && ctx.Damage is not null)
            {
                ctx.CutLine = lines.LineNumber;
                continue;
            }
            yield return item;
        }
    }

    /// <summary>The document <see cref="FromElement"/> makes of a record with only the known fields.</summary>
    Document RecordDoc(string path, long line, in Utf8JsonRecord.Fields fields)
    {
        var doc = MakeDoc(path, line, 0, fields.Text, "json", fields.Id);
        doc.InputDomain = fields.Domain;
        doc.InputQuality = fields.Quality;
        return doc;
    }

    IEnumerable<ReadItem> ReadJsonArray(FileContext ctx, StreamReader text)
    {
        var all = text.ReadToEnd();
        JsonDocument? json = null;
        ReadIssue? bad = null;
        try { json = JsonDocument.Parse(all); }
        catch (JsonException e) { bad = new ReadIssue("malformed_json", ctx.Path, (e.LineNumber ?? -1) + 1, $"{e.Message}; fix the JSON array or convert it to JSONL", IsRecord: true); }
        if (bad is not null && ctx.Damage is not null) yield break; // a cut array: reported as the damage
        if (bad is not null) { yield return ReadItem.Of(bad); yield break; }
        using (json)
        {
            long index = 0;
            foreach (var element in json!.RootElement.EnumerateArray())
                yield return FromElement(ctx.Path, 0, index++, element);
        }
    }

    ReadItem ParseRecord(string path, long line, long offset, string json)
    {
        try
        {
            using var parsed = JsonDocument.Parse(json);
            return FromElement(path, line, offset, parsed.RootElement);
        }
        catch (JsonException e)
        {
            return ReadItem.Of(new ReadIssue("malformed_json", path, line, $"{e.Message.Split('.')[0]}; fix or remove this line", IsRecord: true));
        }
    }

    static string? StringField(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    ReadItem FromElement(string path, long line, long offset, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return ReadItem.Of(new ReadIssue("malformed_json", path, line, $"record is a JSON {root.ValueKind}, not an object; fix or remove this record", IsRecord: true));
        if (!root.TryGetProperty(options.TextField, out var textValue) || textValue.ValueKind != JsonValueKind.String)
            return ReadItem.Of(new ReadIssue("missing_field", path, line,
                $"no string field '{options.TextField}'; set reader.text_field to the field that holds the text", IsRecord: true));
        string? id = root.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
        var doc = MakeDoc(path, line, offset, textValue.GetString()!, "json", id);
        doc.InputDomain = StringField(root, "domain");
        doc.InputQuality = StringField(root, "quality");
        foreach (var prop in root.EnumerateObject())
        {
            if (prop.Name == options.TextField || prop.Name is "id" or "source" or "domain" or "quality") continue;
            if (prop.Name == "meta" && prop.Value.ValueKind == JsonValueKind.Object)
            {
                // Our own output fed back in: keep its metadata flat rather than nesting meta.meta.
                foreach (var inner in prop.Value.EnumerateObject()) doc.Meta[inner.Name] = inner.Value.Clone();
                continue;
            }
            doc.Meta[prop.Name] = prop.Value.Clone();
        }
        doc.Meta["format"] = "json";
        return ReadItem.Of(doc);
    }

    IEnumerable<ReadItem> ReadParquet(FileContext ctx)
    {
        using var stream = new FileStream(ctx.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        try
        {
        var field = reader.Schema.DataFields.FirstOrDefault(f => f.Name == options.ParquetColumn);
        if (field is null)
        {
            var names = string.Join(", ", reader.Schema.DataFields.Select(f => f.Name));
            yield return ReadItem.Of(new ReadIssue("missing_field", ctx.Path, 0,
                $"no column '{options.ParquetColumn}' (columns: {names}); set reader.parquet_column", IsRecord: true));
            yield break;
        }
        long row = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var values = new string?[group.RowCount];
            group.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
            foreach (var value in values)
            {
                ctx.Line = 0;
                if (value is null)
                    yield return ReadItem.Of(new ReadIssue("missing_field", ctx.Path, 0, $"row {row}: column '{field.Name}' is null; skipped", IsRecord: true));
                else if (value.Length > options.MaxDocChars)
                    yield return ReadItem.Of(TooLarge(ctx.Path, 0));
                else
                {
                    var doc = MakeDoc(ctx.Path, 0, row, value, "parquet");
                    doc.Meta["row"] = row;
                    yield return ReadItem.Of(doc);
                }
                row++;
            }
        }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
