using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Corpus.Dedup;
using Tsumugi.Corpus.Pipeline;

namespace Tsumugi.Corpus.Tests;

/// <summary>Inputs that are not regular files, and outputs whose names already exist as symlinks pointing elsewhere.</summary>
public class SpecialFileTests
{
    static PipelineConfig Config(string input, string output)
    {
        var c = PipelineConfig.Default("all");
        c.Inputs = [input];
        c.Output = output;
        c.Workers = 2;
        c.MinShards = 1;
        return c;
    }

    static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    [Fact]
    public async Task NamedPipeInTheInput_IsSkippedAndCountedInTheSummary_NeverOpened()
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        CorpusFiles.WriteJsonl(t.File("in/a.jsonl"), [CorpusFiles.JapaneseArticle(1)]);
        MakeFifo(t.File("in/pipe.jsonl"));
        MakeFifo(t.File("direct.txt"));

        var c = Config(t.File("in"), t.File("out"));
        c.Inputs = [t.File("in"), t.File("direct.txt")];
        var run = Task.Run(() => new PipelineRunner(c).Run());
        if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(1))) != run)
        {
            // Unblock the reader stuck in open() so the test host can finish, then fail.
            foreach (var pipe in new[] { t.File("in/pipe.jsonl"), t.File("direct.txt") })
                using (var writer = new FileStream(pipe, FileMode.Open, FileAccess.Write)) { }
            Assert.Fail("corpus clean opened a named pipe and waited for a writer");
        }

        var stats = await run;
        Assert.Equal(1, stats.FilesRead);
        Assert.Equal(2, stats.FilesNotRegular);
        Assert.Equal(1, stats.DocsIn);
        var summary = JsonDocument.Parse(File.ReadAllText(t.File("out/" + PipelineRunner.SummaryFile))).RootElement;
        Assert.Equal(2, summary.GetProperty("files_not_regular").GetInt64());
    }

    [Fact]
    public void SymlinksAtOutputNames_AreReplacedNotWrittenThrough()
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        CorpusFiles.WriteJsonl(t.File("in/a.jsonl"), Enumerable.Range(0, 30).Select(i => CorpusFiles.JapaneseArticle(i)).Append("短い"));
        var victim = t.File("victim.txt");
        File.WriteAllText(victim, "must stay");
        var links = new[]
        {
            "out/shard-00000.jsonl.zst", "out/" + PipelineRunner.SummaryFile, "rejected/shard-00000.rejected.jsonl.zst",
            "dedup/shard-00000.jsonl.zst", "dedup/" + Deduplicator.SummaryFile,
            $"dedup/{Deduplicator.SpillFolder}/exact-000000.run", $"dedup/{Deduplicator.SpillFolder}/bands-000000.run",
        };
        foreach (var link in links)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(t.File(link))!);
            File.CreateSymbolicLink(t.File(link), victim);
        }

        var c = Config(t.File("in"), t.File("out"));
        c.KeepRejected = t.File("rejected");
        var clean = new PipelineRunner(c).Run();
        // A tiny memory budget makes dedup spill sorted runs to disk, under the names linked above.
        var dedup = new Deduplicator(new DedupOptions { Workers = 2, MemoryBytes = 256 }).Run(t.File("out"), t.File("dedup"));

        Assert.Equal("must stay", File.ReadAllText(victim));
        Assert.True(clean.DocsKept > 0 && clean.DocsRejected > 0);
        Assert.True(dedup.SpilledRuns > 0);
        foreach (var link in links)
        {
            var info = new FileInfo(t.File(link));
            if (info.Exists) Assert.Null(info.LinkTarget); // published over the link: a regular file now
        }
        Assert.True(File.Exists(t.File("dedup/shard-00000.jsonl.zst")) && File.Exists(t.File("out/" + PipelineRunner.SummaryFile)));
        Assert.Equal(clean.DocsKept, CorpusFiles.ReadAll(t.File("out"), "shard-*.jsonl.zst").Count);
    }
}
