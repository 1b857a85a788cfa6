using Tsumugi.Corpus.Dedup;
using Tsumugi.Corpus.Dedup.Distributed;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Corpus.Tests;

/// <summary>
/// A cleaned corpus of real Japanese documentation (../shared/corpus) cut into passages, with exact copies (respaced,
/// upper-cased) and near copies (one line rewritten) planted across shards, built once for the tests below.
/// </summary>
public sealed class DedupCorpusFixture : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-ddedup");

    public DedupCorpusFixture()
    {
        var html = new PipelineConfig { Inputs = [Path.Combine(RepoPaths.SharedCorpus, "ja", "debian-faq-ja"), Path.Combine(RepoPaths.SharedCorpus, "ja", "maint-guide-ja")], Output = _dir.File("pages") };
        html.Steps = PipelineConfig.Parse("steps:\n  - normalize\n", "t").Steps;
        new PipelineRunner(html).Run();
        var passages = CorpusFiles.ReadAll(_dir.File("pages")).Select(d => d.GetProperty("text").GetString()!)
            .SelectMany(text => text.Split('\n').Chunk(12).Select(lines => string.Join('\n', lines)))
            .Where(p => p.Length > 200).ToList();
        Assert.True(passages.Count > 150, $"expected the shared corpus's Japanese pages under {RepoPaths.SharedCorpus}/ja, got {passages.Count} passages");
        var rng = new Random(7);
        var docs = new List<string>(passages);
        for (int i = 0; i < 40; i++)
        {
            var p = passages[rng.Next(passages.Count)];
            docs.Insert(rng.Next(docs.Count + 1), rng.Next(2) == 0 ? p.Replace("\n", "\n  ") : p.ToUpperInvariant() + " ");
            var lines = p.Split('\n');
            lines[rng.Next(lines.Length)] = "この一行だけを書き換えた近い複製です。";
            docs.Insert(rng.Next(docs.Count + 1), string.Join('\n', lines));
        }
        Directory.CreateDirectory(_dir.File("in"));
        foreach (var (chunk, i) in docs.Chunk(25).Select((c, i) => (c, i))) CorpusFiles.WriteJsonl(_dir.File($"in/part{i:D2}.jsonl"), chunk);
        var clean = new PipelineConfig { Inputs = [_dir.File("in")], Output = Clean, MinShards = 9 };
        clean.Steps = PipelineConfig.Parse("steps:\n  - normalize\n", "t").Steps;
        new PipelineRunner(clean).Run();
        Documents = docs.Count;
    }

    public string Clean => _dir.File("clean");
    public int Documents { get; }

    public void Dispose() => _dir.Dispose();
}

public class DistributedDedupTests(DedupCorpusFixture corpus) : IClassFixture<DedupCorpusFixture>
{
    static DedupOptions Options(string mode, int bands = 20, int rows = 10) => new()
    {
        MinHash = new MinHashOptions(bands, rows), Exact = mode != "near", Near = mode != "exact", KeepNewest = mode == "newest", Workers = 2,
    };

    /// <summary>Runs the four stages as separate tasks (each task a fresh object, as on separate nodes).</summary>
    static DedupStats? RunStages(string input, string work, string output, DedupOptions options, int sig, int buckets, int filter)
    {
        DistributedDedup Stage() => new(new DedupWork(work), options);
        for (int r = sig - 1; r >= 0; r--) Stage().Signatures(input, new TaskShard(r, sig, "test"));
        for (int r = 0; r < buckets; r++) Stage().Buckets(new TaskShard(r, buckets, "test"));
        Stage().Cluster(new TaskShard(0, 1, "test"));
        DedupStats? summary = null;
        for (int r = 0; r < filter; r++)
        {
            var result = Stage().Filter(input, output, new TaskShard(r, filter, "test"));
            Assert.Equal(r == filter - 1 ? [] : Enumerable.Range(r + 1, filter - r - 1).ToList(), result.Missing);
            summary = result.Summary;
        }
        return summary;
    }

    static void AssertSameShards(string expected, string actual)
    {
        var a = Directory.GetFiles(expected, "*.jsonl.zst", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        var b = Directory.GetFiles(actual, "*.jsonl.zst", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList();
        Assert.Equal(a, b);
        foreach (var f in a) Assert.True(File.ReadAllBytes(Path.Combine(expected, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, f))), $"{f} differs from single-process dedup's");
    }

    [Theory]
    [InlineData(2, "both")]
    [InlineData(3, "both")]
    [InlineData(4, "both")]
    [InlineData(3, "exact")]
    [InlineData(4, "near")]
    [InlineData(2, "newest")]
    public void Stages_KeepExactlyWhatSingleProcessDedupKeeps(int tasks, string mode)
    {
        using var t = new TempDirectory();
        var options = Options(mode);
        var single = new Deduplicator(options).Run(corpus.Clean, t.File("single"));
        Assert.True(single.ExactDuplicates + single.NearDuplicates >= (mode == "both" ? 40 : 20), $"the planted duplicates were not found: {single.ToJson()}");

        var summary = RunStages(corpus.Clean, t.File("work"), t.File("dist"), options, tasks, tasks, tasks);

        AssertSameShards(t.File("single"), t.File("dist"));
        Assert.NotNull(summary);
        Assert.Equal((single.DocsIn, single.CharsIn, single.DocsKept, single.CharsKept, single.ExactDuplicates, single.NearDuplicates, single.Clusters, single.LargestCluster),
            (summary.DocsIn, summary.CharsIn, summary.DocsKept, summary.CharsKept, summary.ExactDuplicates, summary.NearDuplicates, summary.Clusters, summary.LargestCluster));
        Assert.Equal(single.ClusterSizes, summary.ClusterSizes);
        Assert.True(File.Exists(t.File($"dist/{Deduplicator.SummaryFile}")));
    }

    [Fact]
    public void Stages_WithDifferentTaskCountsSlicedBandsAndSpills_KeepTheSame()
    {
        using var t = new TempDirectory();
        // 4 bands + exact = 5 parts; 11 bucket tasks cut each part into 3 key ranges.
        // 4 KB of record memory: every signatures task spills sorted runs and merges them back.
        var options = Options("both", bands: 4, rows: 3);
        options.MemoryBytes = 4096;
        new Deduplicator(options).Run(corpus.Clean, t.File("single"));
        var summary = RunStages(corpus.Clean, t.File("work"), t.File("dist"), options, sig: 3, buckets: 11, filter: 2);
        AssertSameShards(t.File("single"), t.File("dist"));
        Assert.True(summary!.SpilledRuns > 3, $"only {summary.SpilledRuns} runs spilled");
    }

    [Fact]
    public void NextStage_RefusesUntilEveryTaskFinished_AndRerunSkipsFinishedTasks()
    {
        using var t = new TempDirectory();
        var work = new DedupWork(t.File("work"));
        var options = Options("both");
        var first = new DistributedDedup(work, options).Signatures(corpus.Clean, new TaskShard(1, 3, "test"));
        Assert.False(first.Skipped);
        Assert.Equal([0, 2], first.Missing);

        var e = Assert.Throws<InvalidOperationException>(() => new DistributedDedup(work, options).Buckets(new TaskShard(0, 2, "test")));
        Assert.Contains("signatures", e.Message);
        Assert.Contains("task 0, 2", e.Message);

        var again = new DistributedDedup(work, options).Signatures(corpus.Clean, new TaskShard(1, 3, "test"));
        Assert.True(again.Skipped);
        var other = Assert.Throws<InvalidOperationException>(() => new DistributedDedup(work, options).Signatures(corpus.Clean, new TaskShard(0, 2, "test")));
        Assert.Contains("3-task run", other.Message);
        var changed = Assert.Throws<InvalidOperationException>(() => new DistributedDedup(work, Options("exact")).Signatures(corpus.Clean, new TaskShard(0, 3, "test")));
        Assert.Contains("other input or settings", changed.Message);
        var cluster = Assert.Throws<InvalidOperationException>(() => new DistributedDedup(work, options).Cluster(new TaskShard(0, 1, "test")));
        Assert.Contains("signatures", cluster.Message);
    }
}
