using System.IO.Compression;
using System.Text;
using Tsumugi.Corpus.Pipeline;

namespace Tsumugi.Corpus.Tests;

public class PipelineTests
{
    /// <summary>A mixed input folder with a known number of records and known bad ones.</summary>
    static int MakeMixedInput(string dir)
    {
        Directory.CreateDirectory(dir);
        var good = Enumerable.Range(0, 6).Select(i => CorpusFiles.JapaneseArticle(i)).ToList();
        File.WriteAllLines(Path.Combine(dir, "a.jsonl"), good.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t }))
            .Append("{not json").Append("{\"other\":1}").Append("{\"text\":\"短い\"}"));
        File.WriteAllBytes(Path.Combine(dir, "empty.txt"), []);
        File.WriteAllBytes(Path.Combine(dir, "bin.txt"), [1, 0, 2, 0, 3]);
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, true))
            gz.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 400).Select(i => $"{{\"text\":\"{CorpusFiles.JapaneseArticle(100 + i, 2)}\"}}\n"))));
        File.WriteAllBytes(Path.Combine(dir, "cut.jsonl.gz"), ms.ToArray()[..(int)(ms.Length * 2 / 3)]);
        File.WriteAllText(Path.Combine(dir, "page.html"), $"<html><body><nav><a href='/'>ホーム</a></nav><p>{CorpusFiles.JapaneseArticle(50)}</p></body></html>");
        File.WriteAllText(Path.Combine(dir, "tool.py"), string.Concat(Enumerable.Range(0, 8).Select(i => $"def step_{i}(path):\n    return os.path.join(path, 'part{i}')\n\n")));
        File.WriteAllText(Path.Combine(dir, "notes.unknown"), "skipped: unsupported extension");
        // Records: 9 JSONL lines + binary + html + py = 12, plus what the cut .gz yields (counted from the summary).
        return 12;
    }

    static PipelineConfig Config(string input, string output, string lang = "all", int workers = 2)
    {
        var c = PipelineConfig.Default(lang);
        c.Inputs = [input];
        c.Output = output;
        c.Workers = workers;
        c.MinShards = 4;
        return c;
    }

    [Fact]
    public void MixedBadInput_RunFinishes_BooksBalanceExactly()
    {
        using var t = new TempDirectory();
        int known = MakeMixedInput(t.File("in"));
        var c = Config(t.File("in"), t.File("out"));
        c.KeepRejected = t.File("rej");
        var s = new PipelineRunner(c).Run();

        Assert.True(s.Balanced, s.ToJson());
        Assert.Equal(s.DocsIn, s.DocsKept + s.DocsRejected + s.DocsErrored);
        Assert.True(s.DocsIn > known, "the cut .gz contributed records");
        Assert.True(s.Issues["malformed_json"] >= 1); // "{not json" (+ possibly the half line at the .gz cut)
        Assert.Equal(1, s.Issues["missing_field"]);
        Assert.Equal(1, s.Issues["binary"]);
        Assert.Equal(1, s.Issues["empty"]);
        Assert.Equal(1, s.Issues["truncated"]);
        Assert.Equal(1, s.FilesSkipped);
        // What was written matches the books: kept docs in the output, rejected + errored in the rejected folder.
        var kept = CorpusFiles.ReadAll(t.File("out"));
        var rejected = CorpusFiles.ReadAll(t.File("rej"));
        Assert.Equal(s.DocsKept, kept.Count);
        Assert.Equal(s.DocsRejected + s.DocsErrored, rejected.Count);
        Assert.Equal(kept.Count, kept.Select(k => k.GetProperty("id").GetString()).Distinct().Count());
        Assert.Contains(kept, k => k.GetProperty("domain").GetString() == "code");
        Assert.Contains(rejected, r => r.GetProperty("reason").GetString()!.StartsWith("length:"));
        Assert.Contains(rejected, r => r.GetProperty("reason").GetString()!.StartsWith("error:malformed_json"));
        Assert.True(kept.Any(k => k.GetProperty("domain").GetString() == "ja"), s.ToJson());
        var first = kept.First(k => k.GetProperty("domain").GetString() == "ja");
        Assert.True(first.GetProperty("source").GetProperty("file").GetString()!.Length > 0);
        Assert.Contains(first.GetProperty("quality").GetString(), new[] { "high", "medium", "low" });
        Assert.True(File.Exists(Path.Combine(t.File("out"), PipelineRunner.SummaryFile)));

        // `corpus stats` over the same folder sees exactly what the books say was kept.
        var stats = Tsumugi.Corpus.Stats.CorpusStats.Compute(t.File("out"));
        Assert.Equal(s.DocsKept, stats.Docs);
        Assert.Equal(s.CharsOut, stats.Chars);
        Assert.Equal(stats.Docs, stats.LengthHistogram.Values.Sum());
        Assert.Equal(s.Domains.Values.Sum(), stats.Domains.Values.Sum());
        Assert.Equal(s.Domains["code"], stats.Domains["code"]);
    }

    [Fact]
    public void Resume_SkipsFinishedShards_AndGivesTheSameBooks()
    {
        using var t = new TempDirectory();
        MakeMixedInput(t.File("in"));
        var full = new PipelineRunner(Config(t.File("in"), t.File("out"))).Run();
        Assert.True(full.ShardsDone >= 3);
        var shards = Directory.GetFiles(t.File("out"), "shard-*.done.json").Order().ToList();
        // Simulate a crash in the middle of shard 1: its done marker and output are gone, a .tmp is left behind.
        File.Delete(shards[1]);
        var shardOut = shards[1].Replace(".done.json", ".jsonl.zst");
        File.Delete(shardOut);
        File.WriteAllText(shardOut + ".tmp", "partial");
        var untouched = File.GetLastWriteTimeUtc(shards[0].Replace(".done.json", ".jsonl.zst"));
        var resumed = new PipelineRunner(Config(t.File("in"), t.File("out"))).Run();
        Assert.Equal(1, resumed.ShardsDone);
        Assert.Equal(full.ShardsDone - 1, resumed.ShardsSkipped);
        Assert.Equal(full.DocsIn, resumed.DocsIn);
        Assert.Equal(full.DocsKept, resumed.DocsKept);
        Assert.Equal(full.CharsOut, resumed.CharsOut);
        Assert.Equal(untouched, File.GetLastWriteTimeUtc(shards[0].Replace(".done.json", ".jsonl.zst")));
        Assert.False(File.Exists(shardOut + ".tmp"));
    }

    [Fact]
    public void ShardSplit_UnionEqualsFullRun_AndWorkerCountDoesNotChangeOutput()
    {
        using var t = new TempDirectory();
        MakeMixedInput(t.File("in"));
        var full = new PipelineRunner(Config(t.File("in"), t.File("full"), workers: 1)).Run();
        var parallel = new PipelineRunner(Config(t.File("in"), t.File("par"), workers: 2)).Run();
        Assert.Equal(
            CorpusFiles.ReadAll(t.File("full")).Select(e => e.GetRawText()),
            CorpusFiles.ReadAll(t.File("par")).Select(e => e.GetRawText()));
        long docsIn = 0, kept = 0;
        for (int i = 0; i < 2; i++)
        {
            var c = Config(t.File("in"), t.File("split"));
            (c.ShardIndex, c.ShardCount) = (i, 2);
            var s = new PipelineRunner(c).Run();
            docsIn += s.DocsIn;
            kept += s.DocsKept;
        }
        Assert.Equal(full.DocsIn, docsIn);
        Assert.Equal(full.DocsKept, kept);
        Assert.Equal(full.DocsKept, CorpusFiles.ReadAll(t.File("split")).Count);
    }

    /// <summary>
    /// A killed writer leaves NAME.RANDOM.tmp, which no later writer overwrites: a rerun deletes those of the shards it
    /// redoes, and leaves those of shards another task (--shard) may be writing.
    /// </summary>
    [Fact]
    public void Resume_DeletesTheLeftoversOfItsOwnShardsOnly()
    {
        using var t = new TempDirectory();
        MakeMixedInput(t.File("in"));
        new PipelineRunner(Config(t.File("in"), t.File("out"))).Run();
        string Leftover(int k)
        {
            var path = t.File($"out/shard-{k:D5}.jsonl.zst");
            File.Delete(path);
            File.Delete(t.File($"out/shard-{k:D5}.done.json"));
            File.WriteAllText(path + ".0badc0de.tmp", "partial");
            return path + ".0badc0de.tmp";
        }
        string mine = Leftover(0), theirs = Leftover(1);
        var c = Config(t.File("in"), t.File("out"));
        (c.ShardIndex, c.ShardCount) = (0, 2);
        var resumed = new PipelineRunner(c).Run();
        Assert.Equal(1, resumed.ShardsDone);
        Assert.False(File.Exists(mine));
        Assert.True(File.Exists(theirs));
        Assert.Empty(Directory.GetFiles(t.File("out"), "shard-00000.*.tmp"));
    }

    [Fact]
    public void ResumeWithDifferentInput_IsRefused()
    {
        using var t = new TempDirectory();
        MakeMixedInput(t.File("in"));
        new PipelineRunner(Config(t.File("in"), t.File("out"))).Run();
        File.WriteAllText(t.File("in/extra.txt"), CorpusFiles.JapaneseArticle(7));
        var e = Assert.Throws<InvalidOperationException>(() => new PipelineRunner(Config(t.File("in"), t.File("out"))).Run());
        Assert.Contains("different input", e.Message);
    }

    [Fact]
    public void RealJapaneseDocs_DefaultPipeline_KeepsJapaneseBody_SplitsByDomain()
    {
        using var t = new TempDirectory();
        var c = Config(Path.Combine(RepoPaths.SharedCorpus, "ja", "debian-faq-ja"), t.File("out"), lang: "all");
        c.SplitByDomain = true;
        c.KeepRejected = t.File("rej");
        var s = new PipelineRunner(c).Run();
        Assert.True(s.Balanced);
        Assert.Equal(17, s.DocsIn);
        var ja = CorpusFiles.ReadAll(Path.Combine(t.File("out"), "ja"));
        Assert.NotEmpty(ja);
        Assert.All(ja, d => Assert.Equal("ja", d.GetProperty("domain").GetString()));
        Assert.All(ja, d => Assert.DoesNotContain("http://", d.GetProperty("text").GetString()));
        Assert.All(ja, d => Assert.True(d.GetProperty("meta").TryGetProperty("minhash", out _)));
    }

    [Fact]
    public void PythonSources_RouteToCode()
    {
        using var t = new TempDirectory();
        var code = Path.Combine(RepoPaths.SharedCorpus, "code", "python-stdlib");
        var c = Config(code, t.File("out"), lang: "all");
        c.MinShards = 2;
        var s = new PipelineRunner(c).Run();
        Assert.True(s.Balanced);
        Assert.True(s.Domains.GetValueOrDefault("code") >= s.DocsKept * 0.95, s.ToJson());
    }

    sealed class Recorder : IProgress<RunProgress>
    {
        public readonly List<RunProgress> Reports = [];
        public void Report(RunProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public void Progress_ThrottledPerFile_EveryShardEndReported_LastReportComplete()
    {
        using var t = new TempDirectory();
        var input = t.File("in");
        Directory.CreateDirectory(input);
        for (int i = 0; i < 300; i++) File.WriteAllText(Path.Combine(input, $"p{i:D3}.txt"), CorpusFiles.JapaneseArticle(i));
        var c = Config(input, t.File("out"), workers: 2);
        var progress = new Recorder();
        var stats = new PipelineRunner(c).Run(progress);
        Assert.Equal(300, stats.FilesRead);
        int shards = Directory.GetFiles(c.Output!, "shard-*.done.json").Length;
        // shard ends always; per-file reports only when ReportEveryMs has passed: far fewer than one per file
        Assert.Equal(shards, progress.Reports.Select(r => r.ShardsDone).Distinct().Count(n => n > 0));
        Assert.True(progress.Reports.Count < shards + 300 / 2, $"{progress.Reports.Count} reports for 300 files, {shards} shards");
        var last = progress.Reports.MaxBy(r => (r.ShardsDone, r.BytesDone));
        Assert.Equal(last.BytesTotal, last.BytesDone);
        Assert.Equal(shards, last.ShardsDone);
        Assert.Equal(shards, last.ShardsTotal);
    }
}
