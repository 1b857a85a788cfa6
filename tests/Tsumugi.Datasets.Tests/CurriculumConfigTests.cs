using Tsumugi.Common;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Tests;

public class CurriculumConfigTests
{
    private const string Valid = """
        packing: best_fit
        pad_id: 3
        datasets:
          ja: {path: data/ja, max_epochs: 2, domain: ja}
          code: data/code.idx
        stages:
          - name: first
            tokens: 1.5M
            mixture: {ja: 0.9, code: 0.1}
          - name: second
            tokens: 200_000
            mixture: {ja: 1.0}
            lr: {schedule: wsd, peak: 3e-4, min: 3e-5, warmup_tokens: 0, decay_fraction: 0.1}
        """;

    private static DataConfigException Fails(string yaml) =>
        Assert.Throws<DataConfigException>(() => CurriculumConfig.Parse(yaml, "run.yaml", "/base"));

    [Fact]
    public void ParsesEveryKeyAndResolvesPathsAgainstTheConfigDirectory()
    {
        var c = CurriculumConfig.Parse(Valid, "run.yaml", "/base");
        Assert.Equal(PackingMode.BestFit, c.Packing);
        Assert.Equal(3, c.PadId);
        Assert.Equal(("/base/data/ja", 2.0, "ja"), (c.Datasets[0].Path, c.Datasets[0].MaxEpochs, c.Datasets[0].Domain));
        Assert.Equal(("/base/data/code", 1.0), (c.Datasets[1].Path, c.Datasets[1].MaxEpochs));
        Assert.Equal(1_500_000, c.Stages[0].Tokens);
        Assert.Equal(200_000, c.Stages[1].Tokens);
        Assert.Null(c.Stages[0].LearningRate);
        Assert.Equal(new StageLearningRate { Schedule = "wsd", Peak = 3e-4, Min = 3e-5, WarmupTokens = 0, DecayFraction = 0.1 }, c.Stages[1].LearningRate);
    }

    [Fact]
    public void WeightsNotSummingToOneNameTheStageAndFile()
    {
        var e = Fails(Valid.Replace("{ja: 0.9, code: 0.1}", "{ja: 0.9, code: 0.2}"));
        Assert.StartsWith("run.yaml:", e.Message);
        Assert.Contains("stage 'first'", e.Message);
        Assert.Contains("sum to 1.1", e.Message);
    }

    [Theory]
    [InlineData("packing: best_fit", "packing: best_fit\nseq_len: 5", "seq_len")]
    [InlineData("max_epochs: 2, domain: ja}", "max_epochs: 2, domian: ja}", "datasets.ja.domian")]
    [InlineData("    tokens: 1.5M", "    tokens: 1.5M\n    weights: {ja: 1}", "stages[0].weights")]
    [InlineData("warmup_tokens: 0,", "warmup: 0,", "stages[1].lr.warmup")]
    public void Unknown_keys_name_the_key_and_file(string from, string to, string key)
    {
        var e = Fails(Valid.Replace(from, to));
        Assert.Contains($"unknown key '{key}'", e.Message);
        Assert.StartsWith("run.yaml:", e.Message);
    }

    [Fact]
    public void MixtureOfAnUndeclaredDatasetIsRefused()
    {
        var e = Fails(Valid.Replace("{ja: 1.0}", "{ja: 0.5, math: 0.5}"));
        Assert.Contains("dataset 'math', which is not declared", e.Message);
    }

    [Theory]
    [InlineData("tokens: 1.5M", "tokens: lots", "not a positive token count")]
    [InlineData("schedule: wsd", "schedule: cosinus", "unknown schedule 'cosinus'")]
    [InlineData("packing: best_fit", "packing: bfd", "packing: 'bfd' is not one of concat, best_fit")]
    [InlineData("max_epochs: 2", "max_epochs: 0", "max_epochs must be > 0")]
    [InlineData("{ja: 0.9, code: 0.1}", "{ja: 1.1, code: -0.1}", "negative")]
    public void BadValuesAreExplained(string from, string to, string message) =>
        Assert.Contains(message, Fails(Valid.Replace(from, to)).Message);

    [Theory]
    [InlineData("1.5B", 1_500_000_000L)]
    [InlineData("500M", 500_000_000L)]
    [InlineData("2T", 2_000_000_000_000L)]
    [InlineData("100_000", 100_000L)]
    [InlineData("12k", 12_000L)]
    public void TokenCountsAcceptSiSuffixes(string text, long expected)
    {
        Assert.True(TokenCounts.TryParse(text, out var v));
        Assert.Equal(expected, v);
    }

    [Fact]
    public void ShippedTengentoppaPlanIsValidAndHasTheDocumentedShape()
    {
        var path = Path.Combine(RepoPaths.Configs, "curriculum-tengentoppa.yaml");
        var c = CurriculumConfig.Load(path);
        Assert.Equal(4, c.Stages.Count);
        double W(int stage, string d) => c.Stages[stage].Mixture.GetValueOrDefault(d);
        // Mostly Japanese first, maths/code from the middle, the cleanest Japanese last.
        Assert.True(W(0, "ja_web") + W(0, "ja_clean") >= 0.75);
        Assert.Equal(0, W(0, "code") + W(0, "math"));
        Assert.True(W(1, "code") > 0 && W(1, "math") > 0 && W(2, "code") > 0 && W(2, "math") > 0);
        Assert.Equal("ja_clean", c.Stages[3].Mixture.MaxBy(kv => kv.Value).Key);
        Assert.Equal("linear", c.Stages[3].LearningRate?.Schedule);
    }
}
