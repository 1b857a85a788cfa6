using Tsumugi.Corpus.Filters;
using Tsumugi.Corpus.Pipeline;

namespace Tsumugi.Corpus.Tests;

public class ConfigTests
{
    [Fact]
    public void UnknownStepKey_IsAnErrorNamingKeyAndLine()
    {
        var e = Assert.Throws<FormatException>(() => PipelineConfig.Parse("steps:\n  - length: { min_chars: 10, max_chras: 5 }\n", "p.yaml"));
        Assert.Contains("max_chras", e.Message);
        Assert.Contains("p.yaml:2", e.Message);
    }

    [Fact]
    public void UnknownTopLevelKeyAndUnknownStep_AreErrors()
    {
        Assert.Contains("'wokers'", Assert.Throws<FormatException>(() => PipelineConfig.Parse("wokers: 2\n", "p.yaml")).Message);
        Assert.Contains("'lenght'", Assert.Throws<FormatException>(() => PipelineConfig.Parse("steps: [lenght]\n", "p.yaml")).Message);
        Assert.Contains("reader.txtmode", Assert.Throws<FormatException>(() => PipelineConfig.Parse("reader: { txtmode: file }\n", "p.yaml")).Message);
    }

    [Fact]
    public void BadValues_AreErrorsNamingFileLineAndKey()
    {
        var e = Assert.Throws<FormatException>(() => PipelineConfig.Parse("workers: 2\nsteps:\n  - normalize\n  - length: { min_chars: many }\n", "p.yaml"));
        Assert.StartsWith("p.yaml:4: length.min_chars:", e.Message);
        e = Assert.Throws<FormatException>(() => PipelineConfig.Parse("workers: all\n", "p.yaml"));
        Assert.StartsWith("p.yaml:1: workers:", e.Message);
        e = Assert.Throws<FormatException>(() => PipelineConfig.Parse("reader:\n  txt_mode: lines\n", "p.yaml"));
        Assert.StartsWith("p.yaml:2: reader.txt_mode:", e.Message);
        e = Assert.Throws<FormatException>(() => PipelineConfig.Parse("shard: 4/4\n", "p.yaml"));
        Assert.StartsWith("p.yaml:1: shard:", e.Message);
        e = Assert.Throws<FormatException>(() => PipelineConfig.Parse("steps:\n  - gopher_repetition: { max_top_ngram: [0.2, x, 0.1] }\n", "p.yaml"));
        Assert.StartsWith("p.yaml:2: gopher_repetition.max_top_ngram:", e.Message);
    }

    [Fact]
    public void StepsBuiltFromAFlag_NameTheFlag()
    {
        var keep = PipelineConfig.Default("en,code").Steps.Single(s => s.Step == "keep_domains");
        Assert.Equal("--lang en,code", keep.Where);
        Assert.Equal(["en", "code"], keep.Read().List("domains"));
        Assert.DoesNotContain(PipelineConfig.Default("all").Steps, s => s.Step == "keep_domains");
    }

    [Fact]
    public void StepsCanBeRetunedAndSwitchedOff()
    {
        var c = PipelineConfig.Parse("steps:\n  - length: { min_chars: 3, max_chars: 0 }\n  - kuten: { enabled: false }\n", "p.yaml");
        var steps = c.BuildSteps();
        var length = Assert.Single(steps);
        var doc = new Document { Id = "x", Text = "あいう", Source = new DocumentSource("f", 1, 0) };
        Assert.Null(length.Apply(doc));
        doc.Text = "あい";
        Assert.NotNull(length.Apply(doc));
    }

    [Fact]
    public void ShippedConfig_MatchesBuiltInDefault()
    {
        var shipped = PipelineConfig.Load(Path.Combine(RepoPaths.Root, "configs", "corpus-ja.yaml"));
        var builtIn = PipelineConfig.Default();
        Assert.Equal(builtIn.Steps.Select(s => s.Step), shipped.Steps.Select(s => s.Step));
    }

    [Fact]
    public void JapaneseOnlyFilters_ApplyToUnroutedDocs_ButSkipOtherDomains()
    {
        var kuten = Assert.Single(PipelineConfig.Parse("steps: [kuten]\n", "p.yaml").BuildSteps());
        var doc = new Document { Id = "x", Text = new string('あ', 300), Source = new DocumentSource("f", 1, 0) };
        Assert.NotNull(kuten.Apply(doc));   // no route step: the filter still runs
        doc.Domain = "en";
        Assert.Null(kuten.Apply(doc));      // routed elsewhere: a ja-only filter leaves it alone
        doc.Domain = "ja";
        Assert.NotNull(kuten.Apply(doc));
    }

    [Fact]
    public void ShardSpec_Parsed_AndBadSpecRejected()
    {
        Assert.Equal((2, 4), PipelineConfig.ParseShard("2/4"));
        Assert.Throws<FormatException>(() => PipelineConfig.ParseShard("4/4"));
    }

    [Fact]
    public void MinHashThreshold_PicksBandsRowsNearThreshold()
    {
        var o = Tsumugi.Corpus.Dedup.MinHashOptions.ForThreshold(0.8);
        Assert.True(o.Hashes <= 200);
        Assert.InRange(o.ApproximateThreshold, 0.7, 0.9);
        Assert.True(o.DetectionProbability(0.95) > 0.95);
        Assert.True(o.DetectionProbability(0.5) < 0.1);
        _ = new KeepDomainsFilter(["ja"]);
    }
}
