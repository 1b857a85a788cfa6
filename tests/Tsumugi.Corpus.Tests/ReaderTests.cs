using System.IO.Compression;
using System.Text;
using Tsumugi.Corpus.Reading;

namespace Tsumugi.Corpus.Tests;

public class ReaderTests
{
    static List<ReadItem> Read(string path, ReaderOptions? o = null) => new CorpusReader(o ?? new ReaderOptions()).Read(path).ToList();

    [Fact]
    public void Utf8WithBomAndWithout_ReadTheSame()
    {
        using var t = new TempDirectory();
        File.WriteAllText(t.File("a.txt"), "日本語のテキストです。", new UTF8Encoding(true));
        File.WriteAllText(t.File("b.txt"), "日本語のテキストです。", new UTF8Encoding(false));
        var a = Read(t.File("a.txt")).Single().Document!;
        var b = Read(t.File("b.txt")).Single().Document!;
        Assert.Equal("日本語のテキストです。", a.Text);
        Assert.Equal(a.Text, b.Text);
    }

    [Fact]
    public void ShiftJisAndEucJp_AreDetected()
    {
        EncodingDetector.EnsureRegistered();
        const string text = "これはシフトJISで書かれた日本語の文書です。漢字とかなを含みます。";
        using var t = new TempDirectory();
        File.WriteAllBytes(t.File("sjis.txt"), EncodingDetector.ShiftJis.GetBytes(text));
        File.WriteAllBytes(t.File("euc.txt"), EncodingDetector.EucJp.GetBytes(text));
        Assert.Equal(text, Read(t.File("sjis.txt")).Single().Document!.Text);
        Assert.Equal(text, Read(t.File("euc.txt")).Single().Document!.Text);
    }

    [Fact]
    public void InvalidUtf8_IsCountedNotFatal()
    {
        using var t = new TempDirectory();
        var bytes = Encoding.UTF8.GetBytes("前半は正しい。").Concat(new byte[] { 0xFF, 0xFE, 0xC3 }).Concat(Encoding.UTF8.GetBytes("後半も読める。")).ToArray();
        // 0xFF 0xFE in the middle is no BOM; the file as a whole is neither UTF-8 nor Shift_JIS/EUC-JP.
        File.WriteAllBytes(t.File("bad.txt"), bytes);
        var items = Read(t.File("bad.txt"));
        var doc = items.Single(i => i.Document is not null).Document!;
        Assert.Contains("後半も読める", doc.Text);
        var issue = items.Single(i => i.Issue is not null).Issue!;
        Assert.Equal("invalid_bytes", issue.Kind);
        Assert.False(issue.IsRecord);
        Assert.True(issue.Count >= 2, $"counted {issue.Count}");
    }

    /// <summary>
    /// A file that fits in the sniffed prefix (64 KB) is decoded from it in one call; a longer one streams through a
    /// StreamReader. Both must give what a StreamReader gives: the encoding's own preamble dropped, invalid bytes
    /// replaced by U+FFFD and counted the same.
    /// </summary>
    [Theory]
    [InlineData("utf8-bom", 100)]
    [InlineData("utf8-bom", 40_000)]
    [InlineData("utf8-invalid", 100)]
    [InlineData("utf8-invalid", 40_000)]
    [InlineData("sjis", 100)]
    [InlineData("sjis", 40_000)]
    [InlineData("utf16-bom", 100)]
    [InlineData("utf16-bom", 40_000)]
    public void SmallAndLargeFiles_DecodeLikeAStreamReader(string kind, int repeats)
    {
        EncodingDetector.EnsureRegistered();
        const string line = "日本語の文。English too. ｱｲｳ\n";
        var text = string.Concat(Enumerable.Repeat(line, repeats));
        byte[] bytes = kind switch
        {
            "utf8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
            "utf8-invalid" => [.. Encoding.UTF8.GetBytes(text[..(text.Length / 2)]), 0xFF, 0xC3, .. Encoding.UTF8.GetBytes(text[(text.Length / 2)..]), 0xE3, 0x81],
            "sjis" => EncodingDetector.ShiftJis.GetBytes(text),
            "utf16-bom" => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)],
            _ => throw new ArgumentException(kind),
        };
        Assert.Equal(repeats > 1000, bytes.Length > 64 * 1024);  // both paths are exercised
        using var t = new TempDirectory();
        File.WriteAllBytes(t.File("doc.txt"), bytes);
        var items = Read(t.File("doc.txt"));
        var doc = items.Single(i => i.Document is not null).Document!;

        var (detected, _) = EncodingDetector.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024)), atEnd: bytes.Length < 64 * 1024);
        var counting = new CountingDecoderFallback();
        var expected = new StreamReader(new MemoryStream(bytes), Encoding.GetEncoding(detected.CodePage, EncoderFallback.ReplacementFallback, counting),
            detectEncodingFromByteOrderMarks: false).ReadToEnd();
        Assert.Equal(expected, doc.Text);
        Assert.StartsWith("日本語の文。", doc.Text);
        var invalid = items.Where(i => i.Issue?.Kind == "invalid_bytes").Select(i => i.Issue).SingleOrDefault();
        Assert.Equal(counting.InvalidBytes, invalid?.Count ?? 0);
        Assert.Equal(kind == "utf8-invalid", counting.InvalidBytes > 0);
    }

    [Fact]
    public void HtmlPage_SmallOrLarge_ExtractsTheSameText()
    {
        using var t = new TempDirectory();
        const string body = "<p>本文の段落です。これは十分に長い日本語の文章です。</p>\n";
        File.WriteAllText(t.File("small.html"), $"<html><head><title>題</title></head><body>{body}</body></html>", new UTF8Encoding(true));
        // Same page with a large comment: over the 64 KB prefix, so it streams.
        File.WriteAllText(t.File("large.html"), $"<html><head><title>題</title></head><body><!--{new string('x', 70_000)}-->{body}</body></html>", new UTF8Encoding(true));
        var small = Read(t.File("small.html")).Single().Document!;
        var large = Read(t.File("large.html")).Single().Document!;
        Assert.Equal("本文の段落です。これは十分に長い日本語の文章です。", small.Text);
        Assert.Equal(small.Text, large.Text);
        Assert.Equal("題", small.Meta["title"]);
        Assert.Equal("題", large.Meta["title"]);
    }

    [Fact]
    public void TooLargeLimit_AppliesToSmallFilesToo()
    {
        using var t = new TempDirectory();
        File.WriteAllText(t.File("a.txt"), new string('あ', 500));
        File.WriteAllText(t.File("b.html"), $"<p>{new string('あ', 500)}</p>");
        var o = new ReaderOptions { MaxDocChars = 100 };
        Assert.Equal("too_large", Read(t.File("a.txt"), o).Single().Issue!.Kind);
        Assert.Equal("too_large", Read(t.File("b.html"), o).Single().Issue!.Kind);  // markup allowance: 4 × 100 < 507
        Assert.NotNull(Read(t.File("b.html"), new ReaderOptions { MaxDocChars = 130 }).Single().Document);  // 507 ≤ 520
    }

    [Fact]
    public void JsonLines_MalformedLinesReportedWithFileAndLine()
    {
        using var t = new TempDirectory();
        File.WriteAllLines(t.File("d.jsonl"), ["{\"text\":\"一\"}", "{broken", "", "{\"body\":\"no text\"}", "[1,2]", "{\"text\":\"二\",\"url\":\"u\"}"]);
        var items = Read(t.File("d.jsonl"));
        Assert.Equal(["一", "二"], items.Where(i => i.Document is not null).Select(i => i.Document!.Text));
        var issues = items.Where(i => i.Issue is not null).Select(i => i.Issue!).ToList();
        Assert.Equal(3, issues.Count);
        Assert.All(issues, i => Assert.True(i.IsRecord));
        Assert.Equal([2L, 4L, 5L], issues.Select(i => i.Line));
        Assert.EndsWith("d.jsonl:2", issues[0].Where);
        Assert.Equal("missing_field", issues[1].Kind);
        Assert.Equal("u", items.Last(i => i.Document is not null).Document!.Meta["url"]!.ToString());
    }

    [Fact]
    public void ShardRecordReadBack_KeepsItsDomainAndQuality_ButStaysUnrouted()
    {
        using var t = new TempDirectory();
        var input = t.File("in.jsonl");
        File.WriteAllLines(input,
        [
            """{"text":"一つ目","domain":"code","quality":"high","meta":{"format":"html"}}""",
            """{"text":"二つ目"}""",
            """{"text":"三つ目","domain":7,"quality":null}""",
        ]);
        var docs = Read(input).Select(i => i.Document!).ToList();
        Assert.Equal(["code", null, null], docs.Select(d => d.InputDomain));
        Assert.Equal(["high", null, null], docs.Select(d => d.InputQuality));
        Assert.All(docs, d => Assert.Equal("unrouted", d.Domain));  // routing decides Domain; the label is kept apart
        Assert.False(docs[0].Meta.ContainsKey("domain"));
    }

    [Fact]
    public void JsonLines_TextFieldIsConfigurable_AndGzipZstdWork()
    {
        using var t = new TempDirectory();
        var payload = Encoding.UTF8.GetBytes("{\"content\":\"圧縮された文書\"}\n{\"content\":\"二つ目\"}\n");
        using (var gz = new GZipStream(File.Create(t.File("a.jsonl.gz")), CompressionLevel.Fastest)) gz.Write(payload);
        File.WriteAllBytes(t.File("b.jsonl.zst"), new ZstdSharp.Compressor(3).Wrap(payload).ToArray());
        var o = new ReaderOptions { TextField = "content" };
        Assert.Equal(2, Read(t.File("a.jsonl.gz"), o).Count(i => i.Document is not null));
        Assert.Equal(["圧縮された文書", "二つ目"], Read(t.File("b.jsonl.zst"), o).Select(i => i.Document!.Text));
    }

    [Fact]
    public void TruncatedGzipAndZstd_ReportedAsErroredRecord()
    {
        using var t = new TempDirectory();
        var sb = new StringBuilder();
        var rng = new Random(1);
        for (int i = 0; i < 3000; i++) sb.Append($"{{\"text\":\"文書{i} {rng.Next()} {rng.Next()} {rng.Next()}\"}}\n");
        var payload = Encoding.UTF8.GetBytes(sb.ToString());
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(payload);
        File.WriteAllBytes(t.File("cut.jsonl.gz"), ms.ToArray()[..(int)(ms.Length / 2)]);
        var zst = new ZstdSharp.Compressor(3).Wrap(payload).ToArray();
        File.WriteAllBytes(t.File("cut.jsonl.zst"), zst[..(zst.Length / 2)]);
        foreach (var name in new[] { "cut.jsonl.gz", "cut.jsonl.zst" })
        {
            var items = Read(t.File(name));
            // The cut may also leave a half line (malformed_json); the truncation itself must be reported.
            var issue = Assert.Single(items, i => i.Issue is { Kind: "truncated" }).Issue!;
            Assert.True(issue.IsRecord);
            int docs = items.Count(i => i.Document is not null);
            // gzip streams out what precedes the cut; zstd decodes whole 128 KB blocks, so a cut first block yields none.
            Assert.InRange(docs, name.EndsWith(".gz") ? 1 : 0, 2999);
        }
    }

    [Fact]
    public void EmptyBinaryAndUnreadableFiles_AreReportedNotThrown()
    {
        using var t = new TempDirectory();
        File.WriteAllBytes(t.File("empty.txt"), []);
        File.WriteAllBytes(t.File("bin.txt"), [0x7F, 0x45, 0x4C, 0x46, 0, 0, 1, 2, 0, 0, 0]);
        // A folder named like a file cannot be opened as one, even by root (chmod 000 would not stop root).
        Directory.CreateDirectory(t.File("locked.txt"));
        var empty = Assert.Single(Read(t.File("empty.txt"))).Issue!;
        Assert.Equal("empty", empty.Kind);
        Assert.False(empty.IsRecord);
        Assert.Equal("binary", Assert.Single(Read(t.File("bin.txt"))).Issue!.Kind);
        var locked = Assert.Single(Read(t.File("locked.txt"))).Issue!;
        Assert.Equal("unreadable", locked.Kind);
        Assert.True(locked.IsRecord);
        Assert.Equal("unreadable", Assert.Single(Read(t.File("missing.txt"))).Issue!.Kind);
    }

    [Fact]
    public void ParagraphMode_SplitsOnBlankLines_WithLineNumbers()
    {
        using var t = new TempDirectory();
        File.WriteAllText(t.File("p.md"), "第一段落の一行目\n二行目\n\n\n第二段落\n\n第三段落\n");
        var docs = Read(t.File("p.md"), new ReaderOptions { TxtMode = TextMode.Paragraph }).Select(i => i.Document!).ToList();
        Assert.Equal(["第一段落の一行目\n二行目", "第二段落", "第三段落"], docs.Select(d => d.Text));
        Assert.Equal([1L, 5L, 7L], docs.Select(d => d.Source.Line));
        Assert.Single(Read(t.File("p.md")));
    }

    [Fact]
    public async Task Parquet_TextColumnIsRead()
    {
        using var t = new TempDirectory();
        var field = new Parquet.Schema.DataField<string>("body");
        var schema = new Parquet.Schema.ParquetSchema(field);
        await using (var fs = File.Create(t.File("x.parquet")))
        {
            await using var writer = await Parquet.ParquetWriter.CreateAsync(schema, fs);
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync(field, new[] { "一行目の文書", "二行目の文書" }, null);
        }
        var docs = Read(t.File("x.parquet"), new ReaderOptions { ParquetColumn = "body" });
        Assert.Equal(["一行目の文書", "二行目の文書"], docs.Select(i => i.Document!.Text));
        Assert.Equal(1L, docs[1].Document!.Source.Offset);
        Assert.Equal("missing_field", Assert.Single(Read(t.File("x.parquet"))).Issue!.Kind);
    }

    [Fact]
    public void HugeSingleLineFile_IsSkippedWithBoundedMemory()
    {
        using var t = new TempDirectory();
        const int size = 200 << 20;
        var chunk = Encoding.ASCII.GetBytes(new string('a', 1 << 20));
        using (var fs = File.Create(t.File("huge.jsonl")))
        {
            fs.Write("{\"text\":\""u8);
            for (int i = 0; i < size / chunk.Length; i++) fs.Write(chunk);
            fs.Write("\"}\n{\"text\":\"after the long line\"}\n"u8);
        }
        var reader = new CorpusReader(new ReaderOptions { MaxDocChars = 1_000_000 });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var items = reader.Read(t.File("huge.jsonl")).ToList();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("too_large", items[0].Issue!.Kind);
        Assert.Equal(1, items[0].Issue!.Line);
        Assert.Equal("after the long line", items[1].Document!.Text);
        Assert.True(allocated < 32L << 20, $"allocated {allocated >> 20} MB for a 200 MB line");
    }
}
