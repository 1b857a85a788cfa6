using System.Text;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Corpus.Tests;

public class ShardRecordsTests
{
    static void WriteShard(string path, string content) =>
        File.WriteAllBytes(path, new ZstdSharp.Compressor(3).Wrap(Encoding.UTF8.GetBytes(content)).ToArray());

    const string Shard =
        "{\"id\":\"a\",\"text\":\"一つ目\",\"domain\":\"ja\"}\n" +
        "{\"id\":\"b\",\"text\":\"壊れ\n" +                      // corrupt JSON (truncated line)
        "{\"id\":\"c\"}\n" +                                     // not a record: no text field
        "{\"id\":\"d\",\"text\":\"四つ目\",\"domain\":\"en\",\"quality\":\"high\"}\n";

    /// <summary>A shard being written (or left by a killed writer) is a temporary beside it, and is not a shard.</summary>
    [Fact]
    public void Files_IgnoreTemporaries()
    {
        using var t = new TempDirectory();
        WriteShard(t.File("shard-00000.jsonl.zst"), Shard);
        WriteShard(t.File("shard-00001.jsonl.zst.0badc0de.tmp"), Shard);
        WriteShard(t.File("shard-00002.jsonl.zst.tmp"), Shard);
        Assert.Equal([t.File("shard-00000.jsonl.zst")], ShardRecords.Files(t.Path));
    }

    /// <summary>A corrupt line is skipped; the records after it are still read.</summary>
    [Fact]
    public void Read_SkipsCorruptLines_KeepsTheRest()
    {
        using var t = new TempDirectory();
        var path = t.File("part-00000.jsonl.zst");
        WriteShard(path, Shard);
        var records = ShardRecords.Read(path).ToList();
        Assert.Equal(["a", "d"], records.Select(r => r.Id));
        Assert.Equal(new ShardRecords.Record("d", "四つ目", "en", "high"), records[1]);
    }

    /// <summary>Each skipped line is reported with file and line number.</summary>
    [Fact]
    public void Read_ReportsCorruptLinesWithFileAndLine()
    {
        using var t = new TempDirectory();
        var path = t.File("part-00000.jsonl.zst");
        WriteShard(path, Shard);
        var corrupt = new List<string>();
        var records = ShardRecords.Read(path, corrupt.Add).ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal(2, corrupt.Count);
        Assert.StartsWith($"{path}:2: ", corrupt[0]);
        Assert.StartsWith($"{path}:3: ", corrupt[1]);
    }
}
