using System.Text.Json;
using Tsumugi.Corpus.Pipeline;

namespace Tsumugi.Corpus.Tests;

/// <summary>A run that rejects most of its input says which filters did it and points to the documentation preset.</summary>
public class RejectionAdviceTests
{
    static PipelineConfig Config(string input, string output)
    {
        var c = PipelineConfig.Default("ja");
        c.Inputs = [input];
        c.Output = output;
        c.Workers = 2;
        return c;
    }

    [Fact]
    public void MostlyRejectedRun_SummaryNamesTheTopFiltersAndTheDocsPreset()
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        // 8 documents too short for the length filter, 2 in English (keep_domains ja), 2 that pass.
        CorpusFiles.WriteJsonl(t.File("in/a.jsonl"),
            Enumerable.Range(0, 8).Select(i => $"短い文書{i}です。")
                .Concat(Enumerable.Range(0, 2).Select(i => string.Concat(Enumerable.Repeat($"An English sentence number {i} about manuals. ", 20))))
                .Concat(Enumerable.Range(0, 2).Select(i => CorpusFiles.JapaneseArticle(i))));

        var stats = new PipelineRunner(Config(t.File("in"), t.File("out"))).Run();

        var advice = Assert.IsType<RejectionAdvice>(stats.MostlyRejected);
        Assert.Equal((double)stats.DocsRejected / stats.DocsIn, advice.RejectedShare);
        Assert.Equal(["length", "keep_domains"], advice.TopFilters.Select(f => f.Filter));
        Assert.Equal([8L, 2L], advice.TopFilters.Select(f => f.Docs));
        Assert.Contains("length (8, 67%)", advice.Message);
        Assert.Contains("--config configs/corpus-docs.yaml", advice.Message);
        Assert.Contains("docs/corpus.md#when-most-documents-are-rejected", advice.Message);

        var summary = JsonDocument.Parse(File.ReadAllText(t.File("out/" + PipelineRunner.SummaryFile))).RootElement.GetProperty("mostly_rejected");
        Assert.Equal("length", summary.GetProperty("top_filters")[0].GetProperty("filter").GetString());
        Assert.Equal(8, summary.GetProperty("top_filters")[0].GetProperty("docs").GetInt64());
        Assert.Equal(RejectionAdvice.DocumentationPreset, summary.GetProperty("preset").GetString());
    }

    [Fact]
    public void RunKeepingMostDocuments_HasNoAdvice()
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("in"));
        CorpusFiles.WriteJsonl(t.File("in/a.jsonl"), Enumerable.Range(0, 6).Select(i => CorpusFiles.JapaneseArticle(i)).Append("短い"));

        var stats = new PipelineRunner(Config(t.File("in"), t.File("out"))).Run();

        Assert.True(stats.DocsKept > stats.DocsIn / 2, stats.ToJson());
        Assert.Null(stats.MostlyRejected);
        Assert.DoesNotContain("mostly_rejected", File.ReadAllText(t.File("out/" + PipelineRunner.SummaryFile)));
    }

    [Fact]
    public void DocumentationPresetAndSection_Exist()
    {
        var preset = Path.Combine(RepoPaths.Root, RejectionAdvice.DocumentationPreset);
        Assert.True(File.Exists(preset), preset);
        PipelineConfig.Load(preset).BuildSteps(); // a valid pipeline
        var section = RejectionAdvice.DocumentationSection.Split('#');
        var heading = File.ReadAllLines(Path.Combine(RepoPaths.Root, section[0])).Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => l[3..].Trim().ToLowerInvariant().Replace(' ', '-'));
        Assert.Contains(section[1], heading);
    }
}
