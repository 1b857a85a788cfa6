using Tsumugi.Datasets.Curriculum;

namespace Tsumugi.Datasets.Tests;

public class DataPlanTests
{
    // ja: 100 docs ≈ 2.6K tokens; code: 40 docs ≈ 1.5K tokens (with EOS). seq_length 16.
    private static (TempDirectory Dir, string Yaml) Setup(string jaEpochs = "3", string firstTokens = "3200", string secondTokens = "800")
    {
        var dir = new TempDirectory();
        TestData.Write(dir.Path, "ja", TestData.RandomDocuments(100, 50, 1));
        TestData.Write(dir.Path, "code", TestData.RandomDocuments(40, 70, 2));
        var yaml = $"""
            datasets:
              ja: {"{"}path: ja, max_epochs: {jaEpochs}{"}"}
              code: {"{"}path: code, max_epochs: 1{"}"}
            stages:
              - name: warm
                tokens: {firstTokens}
                mixture: {"{"}ja: 1.0{"}"}
              - name: mixed
                tokens: {secondTokens}
                mixture: {"{"}ja: 0.5, code: 0.5{"}"}
                lr: {"{"}schedule: linear, min: 0{"}"}
            """;
        File.WriteAllText(dir.File("data.yaml"), yaml);
        return (dir, dir.File("data.yaml"));
    }

    [Fact]
    public void PlanCountsRowsPerStageAndDatasetExactlyAsTheSamplerDrawsThem()
    {
        var (dir, yaml) = Setup();
        using var _ = dir;
        using var plan = DataPlan.Create(CurriculumConfig.Load(yaml), sequenceLength: 16, seed: 1);
        Assert.Equal(new long[] { 200, 50 }, plan.Stages.Select(s => s.Samples));
        Assert.Equal(new long[] { 0, 200 }, plan.Stages.Select(s => s.StartSample));
        Assert.Equal(new long[] { 200, 0 }, plan.Stages[0].SamplesPerDataset);
        Assert.Equal(new long[] { 25, 25 }, plan.Stages[1].SamplesPerDataset);
        var sampler = plan.CreateSampler();
        for (var i = 0; i < plan.TotalSamples; i++) sampler.Next();
        Assert.Equal(plan.Datasets.Select(d => d.PlannedSamples), sampler.Cursors);
        var ja = plan.Datasets[0];
        Assert.Equal(225 * 16, ja.PlannedTokens);
        Assert.Equal((double)225 / ja.SamplesPerEpoch, ja.Epochs, 9);
        Assert.True(ja.Epochs > 1, "the fixture is meant to repeat ja");
        Assert.Equal(100, ja.Documents);
        Assert.Equal("linear", plan.Stages[1].LearningRate?.Schedule);
    }

    [Fact]
    public void BudgetBeyondMaxEpochsIsRefusedNamingDatasetAndStages()
    {
        var (dir, yaml) = Setup(jaEpochs: "1");
        using var _ = dir;
        var e = Assert.Throws<DataConfigException>(() => DataPlan.Create(CurriculumConfig.Load(yaml), 16, 1));
        Assert.Contains("dataset 'ja'", e.Message);
        Assert.Contains("'warm', 'mixed'", e.Message);
        Assert.Contains("max_epochs is 1", e.Message);
        Assert.DoesNotContain("dataset 'code'", e.Message);
    }

    [Fact]
    public void MissingDatasetsAreAllListedWithTheirFiles()
    {
        var (dir, yaml) = Setup();
        using var _ = dir;
        File.Delete(dir.File("ja.idx"));
        File.Delete(dir.File("code.bin"));
        var e = Assert.Throws<DataConfigException>(() => DataPlan.Create(CurriculumConfig.Load(yaml), 16, 1));
        Assert.Contains("dataset 'ja'", e.Message);
        Assert.Contains("ja.idx", e.Message);
        Assert.Contains("dataset 'code'", e.Message);
        Assert.Contains("code.bin", e.Message);
        Assert.Contains("data.yaml", e.Message);
    }

    [Fact]
    public void ModelVocabularySmallerThanTheDataVocabularyIsRefused()
    {
        var (dir, yaml) = Setup();
        using var _ = dir;
        var e = Assert.Throws<DataConfigException>(() => DataPlan.Create(CurriculumConfig.Load(yaml), 16, 1, vocabularySize: 32_000));
        Assert.Contains("vocabulary of 60000", e.Message);
        using var ok = DataPlan.Create(CurriculumConfig.Load(yaml), 16, 1, vocabularySize: 60_000);
    }

    [Fact]
    public void SummaryTextShowsStagesDatasetsAndEpochs()
    {
        var (dir, yaml) = Setup();
        using var _ = dir;
        using var plan = DataPlan.Create(CurriculumConfig.Load(yaml), 16, 1);
        var text = plan.ToText();
        Assert.Contains("warm", text);
        Assert.Contains("mixed", text);
        Assert.Contains(plan.Datasets[0].Epochs.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.Contains("4K tokens in 250 rows", text);
    }

    [Fact]
    public void BarePrefixPlanAllowsRepetition()
    {
        var (dir, _) = Setup();
        using var __ = dir;
        using var plan = DataPlan.Create(CurriculumConfig.FromPath(dir.File("code.idx"), tokens: 10_000), 16, 1);
        Assert.Equal("code", Assert.Single(plan.Datasets).Name);
        Assert.True(plan.Datasets[0].Epochs > 5);
        Assert.Equal(625, plan.CreateSampler().PlannedSamples);
    }

    [Fact]
    public void DirectoryPlanMixesEveryDatasetInProportionToItsSize()
    {
        var (dir, _) = Setup();
        using var __ = dir;
        var config = CurriculumConfig.FromPath(dir.Path, tokens: 3_200);
        Assert.Equal(new[] { "code", "ja" }, config.Datasets.Select(d => d.Name));
        using var code = IndexedDataset.Open(dir.File("code"));
        using var ja = IndexedDataset.Open(dir.File("ja"));
        var mix = config.Stages[0].Mixture;
        Assert.Equal((double)code.TokenCount / (code.TokenCount + ja.TokenCount), mix["code"], 12);
        Assert.Equal(1.0, mix.Values.Sum(), 12);
        using var plan = DataPlan.Create(config, 16, 1);
        Assert.Equal(200, plan.TotalSamples);
    }

    [Fact]
    public void DirectoryWithoutDatasetsIsExplained()
    {
        using var dir = new TempDirectory();
        Assert.Contains("no Megatron datasets", Assert.Throws<DataConfigException>(() => CurriculumConfig.FromPath(dir.Path, 100)).Message);
    }

    [Fact]
    public void ClosedFormRowSplitForHugeStagesAgreesWithTheReplayedBlend()
    {
        double[] w = [0.37, 0.33, 0.2, 0.1];
        foreach (var n in new long[] { 1, 7, 999, 123_457 })
        {
            var exact = DataPlan.SplitRows(w, n);
            var closed = DataPlan.SplitRows(w, n, exactLimit: 0);
            Assert.Equal(n, closed.Sum());
            for (var i = 0; i < w.Length; i++) Assert.InRange(closed[i] - exact[i], -1, 1);
        }
    }
}
