using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Tsumugi.Corpus.Reading;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Tsumugi.Corpus.Tests;

/// <summary>Cut and corrupt compressed inputs: every complete record before the damage is kept, and the damage is named.</summary>
public class DamagedInputTests
{
    static List<ReadItem> Read(string path) => new CorpusReader(new ReaderOptions()).Read(path).ToList();

    /// <summary>JSONL records whose text is random (barely compressible), so a cut at a share of the file lands at about that share of the text.</summary>
    static List<string> RandomRecords(int count, int chars, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var bytes = new byte[chars * 3 / 4];
            rng.NextBytes(bytes);
            return JsonSerializer.Serialize(new { text = $"{i}:{Convert.ToBase64String(bytes)}" });
        }).ToList();
    }

    static byte[] Gzip(IEnumerable<string> lines)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        return ms.ToArray();
    }

    static List<string> Texts(List<ReadItem> items) => items.Where(i => i.Document is not null).Select(i => i.Document!.Text).ToList();

    static string TextOf(string record) => JsonDocument.Parse(record).RootElement.GetProperty("text").GetString()!;

    [Fact]
    public void SmallTruncatedGzip_KeepsEveryCompleteLineBeforeTheCut_AndReportsFileAndLinesKept()
    {
        using var t = new TempDirectory();
        var records = RandomRecords(3, 600, seed: 1);
        var gz = Gzip(records);
        var path = t.File("cut.jsonl.gz");
        File.WriteAllBytes(path, gz[..(gz.Length * 5 / 6)]); // inside the third line

        var items = Read(path);

        Assert.Equal(records.Take(2).Select(TextOf), Texts(items));
        Assert.DoesNotContain(items, i => i.Issue is { Kind: "malformed_json" }); // the cut line is part of the truncation
        var issue = Assert.Single(items, i => i.Issue is not null).Issue!;
        Assert.Equal("truncated", issue.Kind);
        Assert.True(issue.IsRecord);
        Assert.Equal(path, issue.File);
        Assert.Contains("cut short", issue.Message);
        Assert.Contains("kept the 2 document(s)", issue.Message);
        Assert.Contains("dropped the cut-off line 3", issue.Message);
    }

    [Fact]
    public void GzipWithABadCrc_SaysCorruptByName_AndKeepsTheDocuments()
    {
        using var t = new TempDirectory();
        var records = Enumerable.Range(0, 20).Select(i => JsonSerializer.Serialize(new { text = CorpusFiles.JapaneseArticle(i, 2) })).ToList();
        var gz = Gzip(records);
        var crc = gz.AsSpan(gz.Length - 8, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(crc, ~BinaryPrimitives.ReadUInt32LittleEndian(crc));
        var path = t.File("bad-crc.jsonl.gz");
        File.WriteAllBytes(path, gz);

        var items = Read(path);

        Assert.Equal(records.Select(TextOf), Texts(items));
        var issue = Assert.Single(items, i => i.Issue is not null).Issue!;
        Assert.Equal("corrupt", issue.Kind);
        Assert.Contains("CRC-32 mismatch", issue.Message);
        Assert.Contains("the file is corrupt", issue.Message);
        Assert.DoesNotContain("unsupported compression method", issue.Message);
    }

    [Fact]
    public void TruncatedZstd_KeepsTheRecordsOfTheWholeBlocksBeforeTheCut_WithoutAMalformedHalfLine()
    {
        using var t = new TempDirectory();
        var records = RandomRecords(600, 1000, seed: 2); // ~600 KB: several 128 KB zstd blocks
        var zst = new Compressor(3).Wrap(Encoding.UTF8.GetBytes(string.Join('\n', records) + "\n")).ToArray();
        var path = t.File("cut.jsonl.zst");
        File.WriteAllBytes(path, zst[..(zst.Length * 3 / 4)]);

        var items = Read(path);

        var texts = Texts(items);
        Assert.InRange(texts.Count, 100, 500);
        Assert.Equal(records.Take(texts.Count).Select(TextOf), texts);
        Assert.DoesNotContain(items, i => i.Issue is { Kind: "malformed_json" });
        var issue = Assert.Single(items, i => i.Issue is not null).Issue!;
        Assert.Equal("truncated", issue.Kind);
        Assert.Contains($"kept the {texts.Count} document(s)", issue.Message);
    }

    [Fact]
    public void ZstdWithABadChecksum_SaysCorrupt()
    {
        using var t = new TempDirectory();
        var records = Enumerable.Range(0, 20).Select(i => JsonSerializer.Serialize(new { text = CorpusFiles.JapaneseArticle(i, 2) })).ToList();
        using var compressor = new Compressor(3);
        compressor.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        var zst = compressor.Wrap(Encoding.UTF8.GetBytes(string.Join('\n', records) + "\n")).ToArray();
        zst[^1] ^= 0xFF; // the frame's content checksum
        var path = t.File("bad.jsonl.zst");
        File.WriteAllBytes(path, zst);

        var items = Read(path);

        var issue = Assert.Single(items, i => i.Issue is not null).Issue!;
        Assert.Equal("corrupt", issue.Kind);
        Assert.Contains("corrupt", issue.Message);
        Assert.Equal(records.Take(Texts(items).Count).Select(TextOf), Texts(items));
    }

    [Fact]
    public void TruncatedGzipTextFile_GivesNoHalfDocument()
    {
        using var t = new TempDirectory();
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(Encoding.UTF8.GetBytes(CorpusFiles.JapaneseArticle(1, 40)));
        var path = t.File("page.txt.gz");
        File.WriteAllBytes(path, ms.ToArray()[..(int)(ms.Length / 2)]);

        var item = Assert.Single(Read(path));

        Assert.Equal("truncated", item.Issue!.Kind);
        Assert.Contains("kept the 0 document(s)", item.Issue.Message);
    }
}
