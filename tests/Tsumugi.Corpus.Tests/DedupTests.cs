using Tsumugi.Corpus.Dedup;
using Tsumugi.Corpus.Pipeline;

namespace Tsumugi.Corpus.Tests;

public class DedupTests
{
    static PipelineConfig Clean(string input, string output, bool minhashInClean)
    {
        var c = PipelineConfig.Parse("steps:\n  - normalize\n  - route\n" + (minhashInClean ? "  - minhash\n" : ""), "t");
        c.Inputs = [input];
        c.Output = output;
        c.MinShards = 3;
        return c;
    }

    static List<string> Pages()
    {
        var pages = Enumerable.Range(0, 8).Select(i => CorpusFiles.JapaneseArticle(1000 + i, 30)).ToList();
        return pages;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NearDuplicatesFound_DistinctPagesKept(bool minhashInClean)
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        var pages = Pages();
        var lines0 = pages[0].Split('\n');
        // Near duplicate of page 0: a few lines differ (one replaced, one added). Exact duplicate of page 1 with different spacing.
        var near = string.Join('\n', lines0.Take(3).Append("ここだけ書き換えた一行です。").Concat(lines0.Skip(4)).Append("最後に追加された一行。"));
        var exact = pages[1].Replace("。", "。 ");
        CorpusFiles.WriteJsonl(t.File("in/a.jsonl"), pages.Take(4));
        CorpusFiles.WriteJsonl(t.File("in/b.jsonl"), pages.Skip(4).Append(near));
        CorpusFiles.WriteJsonl(t.File("in/c.jsonl"), [exact]);
        new PipelineRunner(Clean(t.File("in"), t.File("clean"), minhashInClean)).Run();

        var s = new Deduplicator(new DedupOptions()).Run(t.File("clean"), t.File("dedup"));
        Assert.Equal(10, s.DocsIn);
        Assert.Equal(1, s.ExactDuplicates);
        Assert.Equal(1, s.NearDuplicates);
        Assert.Equal(8, s.DocsKept);
        Assert.Equal(2, s.Clusters);
        Assert.Equal(2, s.ClusterSizes[2]);
        Assert.Equal(minhashInClean ? 10 : 0, s.SignaturesReused);
        var kept = CorpusFiles.ReadAll(t.File("dedup")).Select(d => d.GetProperty("text").GetString()).ToList();
        Assert.Equal(8, kept.Count);
        Assert.Contains(pages[0], kept);      // the first copy is the one kept
        Assert.DoesNotContain(near, kept);
        foreach (var p in pages) Assert.Contains(p, kept);
    }

    [Fact]
    public void KeepNewest_KeepsTheLaterCopy()
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        var page = CorpusFiles.JapaneseArticle(5, 30);
        var newer = page + "\n更新された最後の一行です。";
        CorpusFiles.WriteJsonl(t.File("in/1.jsonl"), [page]);
        CorpusFiles.WriteJsonl(t.File("in/2.jsonl"), [newer]);
        new PipelineRunner(Clean(t.File("in"), t.File("clean"), false)).Run();
        var s = new Deduplicator(new DedupOptions { KeepNewest = true }).Run(t.File("clean"), t.File("dedup"));
        Assert.Equal(1, s.NearDuplicates);
        Assert.Equal([newer], CorpusFiles.ReadAll(t.File("dedup")).Select(d => d.GetProperty("text").GetString()));
    }

    [Fact]
    public void MinHash_SimilarityTracksJaccard()
    {
        var h = new MinHasher(new MinHashOptions(Bands: 40, Rows: 20));
        var a = CorpusFiles.JapaneseArticle(1, 40);
        var b = CorpusFiles.JapaneseArticle(2, 40);
        double Same(string x, string y)
        {
            var sx = h.Signature(x).ToArray();
            var sy = h.Signature(y).ToArray();
            return sx.Zip(sy).Count(p => p.First == p.Second) / (double)sx.Length;
        }
        Assert.Equal(1.0, Same(a, a.Replace("\n", " \n ")));
        Assert.InRange(Same(a, a + "少し違う結び。"), 0.9, 1.0);
        Assert.True(Same(a, b) < Same(a, a + "少し違う結び。") - 0.2);
    }
}
