using Tsumugi.Datasets;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Tests;

public class ValidationSplitTests
{
    /// <summary>Document ids present in rows: documents hold ids d*100+i, so id / 100 names the document.</summary>
    private static HashSet<int> DocumentsIn(ISampleSource source) =>
        Enumerable.Range(0, (int)source.SamplesPerEpoch).SelectMany(k => source.GetSample(k).Tokens).Where(t => t != 0 && t != 59_999).Select(t => t / 100).ToHashSet();

    [Theory]
    [InlineData(PackingMode.Concat)]
    [InlineData(PackingMode.BestFit)]
    public void TrainingNeverReadsHeldOutDocumentsAndTheSplitIgnoresTheSeed(PackingMode mode)
    {
        using var dir = new TempDirectory();
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", TestData.RandomDocuments(300, 60, 1)));
        ISampleSource Make(long seed, DatasetPart part) => SampleSources.Create(ds,
            new SamplerOptions { SequenceLength = 16, Seed = seed, Packing = mode, PadId = 59_999, ValidationFraction = 0.2 }, "d", 0, part);
        var train = DocumentsIn(Make(1, DatasetPart.Train));
        var heldOut = DocumentsIn(Make(1, DatasetPart.Validation));
        Assert.Empty(train.Intersect(heldOut));
        Assert.InRange(heldOut.Count, 30, 90); // ~20% of 300
        Assert.True(train.Count + heldOut.Count >= 290, "a split loses at most the tail of each part's last row");
        Assert.Equal(heldOut, DocumentsIn(Make(2, DatasetPart.Validation)));
    }

    [Fact]
    public void PlanGivesFixedValidationRowsPerDataset()
    {
        using var dir = new TempDirectory();
        TestData.Write(dir.Path, "ja", TestData.RandomDocuments(200, 50, 1));
        File.WriteAllText(dir.File("d.yaml"), """
            validation_fraction: 0.1
            datasets: {ja: {path: ja, max_epochs: 5}}
            stages: [{name: s, tokens: 1000, mixture: {ja: 1}}]
            """);
        var config = CurriculumConfig.Load(dir.File("d.yaml"));
        using var a = DataPlan.Create(config, 16, seed: 1);
        using var b = DataPlan.Create(config, 16, seed: 2);
        var rows = a.ValidationSamples(0, 5);
        Assert.Equal(5, rows.Count);
        Assert.Equal(rows.Select(r => r.Tokens), b.ValidationSamples(0, 5).Select(r => r.Tokens));
        Assert.InRange(a.Datasets[0].ValidationTokens, 1, a.Datasets[0].Tokens / 3);
        Assert.Contains("held out for validation", a.ToText());
        using var none = DataPlan.Create(config with { ValidationFraction = 0 }, 16, 1);
        Assert.Empty(none.ValidationSamples(0, 5));
        Assert.True(none.Datasets[0].Tokens > a.Datasets[0].Tokens);
    }

    [Fact]
    public void ValidationFractionOutOfRangeIsRefused()
    {
        var e = Assert.Throws<DataConfigException>(() => CurriculumConfig.Parse(
            "validation_fraction: 0.9\ndatasets: {a: x}\nstages: [{tokens: 1, mixture: {a: 1}}]", "v.yaml", "/"));
        Assert.Contains("validation_fraction must be in [0, 0.5]", e.Message);
    }
}
