using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Reading;

namespace Tsumugi.Corpus.Tests;

/// <summary>
/// UTF-8 JSON lines are parsed from the file's bytes (PlainJsonRecord, then Utf8JsonReader) instead of being decoded
/// line by line and parsed by JsonDocument. Every document (id, text, metadata, source) and every report (malformed,
/// missing field, too large, invalid bytes, a cut compressed file) must be the same as on the decoding path, and so
/// must every keep/reject decision of a whole run.
/// </summary>
public class JsonFromBytesTests
{
    /// <summary>Lines of every kind the byte path must either read exactly or hand to the decoding path.</summary>
    static List<byte[]> Lines(int seed, int count)
    {
        var rng = new Random(seed);
        var lines = new List<byte[]>();
        byte[] U(string s) => Encoding.UTF8.GetBytes(s);
        string Text(int chars)
        {
            var sb = new StringBuilder();
            string[] pieces = ["日本語の文章です。", "かなとカナと漢字", "ASCII words ", "\n", "\t", "\"quoted\"", "back\\slash", "a/b", "😀", "\r", "ｶﾀｶﾅ", "①②", "\u0001"];
            while (sb.Length < chars) sb.Append(pieces[rng.Next(pieces.Length)]);
            return sb.ToString();
        }
        string J(string s) => JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        for (int i = 0; i < count; i++)
        {
            string t = J(Text(rng.Next(0, 6000)));
            lines.Add((rng.Next(14)) switch
            {
                0 => U($"{{\"id\":\"r{i}\",\"text\":{t}}}"),
                1 => U($"{{\"text\":{t}}}"),                                                     // id from the location
                2 => U($" {{ \"text\" : {t} , \"id\" : \"r{i}\" , \"domain\":\"ja\", \"quality\":\"high\" }} \r"),
                3 => U($"{{\"id\":{i},\"text\":{t},\"url\":\"https://example.com/{i}\"}}"),   // metadata, number id
                4 => U($"{{\"text\":{JsonSerializer.Serialize("\\u escapes: é 日本 😀 " + i)}}}"),  // ASCII-escaped (\u)
                5 => U($"{{\"text\":{t},\"source\":{{\"file\":\"x\",\"line\":3}},\"meta\":{{\"format\":\"html\",\"n\":1}}}}"),
                6 => U($"{{\"text\":{t},\"text\":\"twice\"}}"),                                  // duplicate field
                7 => U($"{{\"id\":\"r{i}\",\"text\":{t}"),                                        // malformed: unclosed
                8 => U($"{{\"id\":\"r{i}\"}}"),                                                    // no text
                9 => U($"{{\"text\":{t}}} trailing"),
                10 => [.. U($"{{\"text\":\"bad "), 0xE3, 0x81, .. U("bytes\"}")],                   // invalid UTF-8
                11 => rng.Next(3) switch { 0 => [], 1 => U("   "), _ => U("\u3000") },            // blank lines
                12 => U($"[{t}]"),                                                                 // not an object
                _ => U($"{{\"text\":\"raw\tcontrol {i}\"}}"),                                      // raw tab: invalid JSON
            });
        }
        return lines;
    }

    static void Write(string path, List<byte[]> lines, bool bom = false, bool finalNewline = true)
    {
        using var f = File.Create(path);
        Stream s = path.EndsWith(".gz") ? new GZipStream(f, CompressionLevel.Fastest) : f;
        if (bom) s.Write([0xEF, 0xBB, 0xBF]);
        for (int i = 0; i < lines.Count; i++)
        {
            s.Write(lines[i]);
            if (finalNewline || i < lines.Count - 1) s.WriteByte((byte)'\n');
        }
        if (s != f) s.Dispose();
    }

    /// <summary>One item as a comparable string: the document's every field, or the report.</summary>
    static string Describe(ReadItem item)
    {
        if (item.Issue is { } issue) return $"issue {issue} x{issue.Count} record={issue.IsRecord}";
        var d = item.Document!;
        var meta = string.Join(",", d.Meta.Select(kv => $"{kv.Key}={(kv.Value is JsonElement e ? e.GetRawText() : kv.Value)}"));
        return $"doc {d.Id} {d.Source} {d.InputChars} domain={d.InputDomain} quality={d.InputQuality} meta={meta} text={JsonSerializer.Serialize(d.Text)}";
    }

    static List<string> ReadAll(string path, bool fromBytes, int maxDocChars)
    {
        var o = new ReaderOptions { MaxDocChars = maxDocChars, JsonFromBytes = fromBytes };
        return new CorpusReader(o).Read(path).Select(Describe).ToList();
    }

    [Theory]
    [InlineData("a.jsonl", false, true, 8_000_000)]
    [InlineData("b.jsonl", true, false, 8_000_000)]   // BOM, last line without its newline
    [InlineData("c.jsonl", false, true, 4000)]        // lines over the limit in characters, and over it in bytes only
    [InlineData("d.json", false, false, 4000)]        // .json holding lines
    [InlineData("e.jsonl.gz", false, true, 4000)]
    public void BytePath_GivesTheDecodingPathsItems(string name, bool bom, bool finalNewline, int maxDocChars)
    {
        using var t = new TempDirectory();
        var path = t.File(name);
        // ~1,100 lines, ~9 MB: several 1 MB reads of the byte reader end inside a line.
        Write(path, Lines(name[0] * 31 + name.Length, 1100), bom, finalNewline);
        var expected = ReadAll(path, fromBytes: false, maxDocChars);
        var actual = ReadAll(path, fromBytes: true, maxDocChars);
        Assert.True(expected.Count(e => e.StartsWith("doc ")) > 300, "the fixture holds documents");
        Assert.Contains(expected, e => e.StartsWith("issue malformed_json"));
        Assert.Contains(expected, e => e.StartsWith("issue invalid_bytes"));
        if (maxDocChars < 10_000) Assert.Contains(expected, e => e.StartsWith("issue too_large"));
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Fact]
    public void LineOverTheLimit_StreamsByAndIsReportedLikeTheDecodingPath()
    {
        // One 3 MB line (1 M characters) between two records, limit 500 K characters: the byte reader meets it across
        // several reads and must neither hold it nor lose the records around it.
        using var t = new TempDirectory();
        var path = t.File("big.jsonl");
        var big = Encoding.UTF8.GetBytes($"{{\"text\":\"{new string('語', 1_000_000)}\"}}");
        Write(path, [Encoding.UTF8.GetBytes("{\"id\":\"a\",\"text\":\"前\"}"), big, Encoding.UTF8.GetBytes("{\"id\":\"b\",\"text\":\"後\"}")]);
        var expected = ReadAll(path, fromBytes: false, 500_000);
        Assert.Equal(expected, ReadAll(path, fromBytes: true, 500_000));
        Assert.Equal(3, expected.Count);
        Assert.StartsWith("issue too_large", expected[1]);
    }

    [Fact]
    public void CutCompressedFile_KeepsAndReportsTheSame()
    {
        using var t = new TempDirectory();
        var whole = t.File("whole.jsonl.gz");
        Write(whole, Lines(7, 400));
        var bytes = File.ReadAllBytes(whole);
        var cut = t.File("cut.jsonl.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        var expected = ReadAll(cut, fromBytes: false, 8_000_000);
        Assert.Contains(expected, e => e.StartsWith("issue truncated"));
        Assert.Equal(expected, ReadAll(cut, fromBytes: true, 8_000_000));
    }

    /// <summary>
    /// A whole run — the default Japanese pipeline and HojiChar's chain (bench/corpus/hojichar-chain.yaml) — keeps and
    /// rejects the same documents, for the same reasons, and writes the same shards, from bytes as from decoded lines.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("hojichar-chain")]
    public void WholeRun_SameDecisionsAndShards(string? chain)
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        var rng = new Random(11);
        var records = new List<byte[]>();
        for (int i = 0; i < 600; i++)
        {
            // Articles that pass, short ones, English, repeated lines, numbers: every filter gets to decide.
            string text = (i % 6) switch
            {
                0 => CorpusFiles.JapaneseArticle(i),
                1 => CorpusFiles.JapaneseArticle(i, sentences: 2),
                2 => string.Concat(Enumerable.Repeat("This is an English sentence about software. ", 20)),
                3 => string.Concat(Enumerable.Repeat("同じ行です。\n", 60)),
                4 => CorpusFiles.JapaneseArticle(i) + "\n電話 03-1234-5678 mail a@example.com\n",
                _ => CorpusFiles.JapaneseArticle(i, sentences: rng.Next(3, 30)) + "…\n・\n・\n",
            };
            records.Add(JsonSerializer.SerializeToUtf8Bytes(new { id = $"doc{i:D4}", text }));
        }
        Write(t.File("in/part0.jsonl"), records[..300]);
        Write(t.File("in/part1.jsonl"), records[300..]);

        Dictionary<string, string> Decisions(bool fromBytes)
        {
            var config = chain is null ? PipelineConfig.Default()
                : PipelineConfig.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "bench/corpus/hojichar-chain.yaml"))
                    .Replace(", keywords_file: ADS_DICT", "").Replace("  - MINHASH_STEP\n", ""), "hojichar-chain.yaml");
            var out_ = t.File($"out-{fromBytes}");
            config.Inputs = [t.File("in")];
            config.Output = out_;
            config.KeepRejected = out_ + "-rej";
            config.Workers = 1;
            config.Reader.JsonFromBytes = fromBytes;
            new PipelineRunner(config).Run();
            var d = new Dictionary<string, string>();
            foreach (var e in CorpusFiles.ReadAll(out_)) d[e.GetProperty("id").GetString()!] = "keep " + e.GetRawText();
            foreach (var e in CorpusFiles.ReadAll(out_ + "-rej")) d[e.GetProperty("id").GetString()!] = "reject " + e.GetProperty("reason").GetString();
            return d;
        }
        var before = Decisions(fromBytes: false);
        var after = Decisions(fromBytes: true);
        Assert.Equal(600, before.Count);
        Assert.Contains(before.Values, v => v.StartsWith("keep "));
        Assert.Contains(before.Values, v => v.StartsWith("reject "));
        Assert.Equal(before.OrderBy(kv => kv.Key), after.OrderBy(kv => kv.Key));
    }
}
