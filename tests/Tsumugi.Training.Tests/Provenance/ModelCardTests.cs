using Tsumugi.Evaluation;
using Tsumugi.Training.Provenance;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Provenance;

/// <summary>
/// training.json records what produced a model (its mixture and, through continued runs, its lineage), and the model
/// card reports it with the eval results: both read from files a real run wrote.
/// </summary>
public sealed class ModelCardTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ARunRecordsItsMixtureAndAContinuedRunCarriesItAsHistory()
    {
        var counting = SyntheticDatasets.Counting(_temp.File("data"));
        SyntheticDatasets.Noise(_temp.File("data"));
        var first = _temp.File("first");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(_temp.File("data"), "train.max_steps=6", "schedule.warmup_steps=2", "data.validation_fraction=0.05"), first))
            Assert.True(trainer.Run().Completed);
        var record = TrainingRecord.Read(Path.Combine(first, "model"))!;
        Assert.Equal("pretrain", record.Kind);
        Assert.Equal("preset:tiny", record.Init);
        Assert.Equal(6, record.Steps);
        Assert.Equal(6 * 512, record.Tokens);
        Assert.Equal(["counting", "noise"], record.Datasets.Select(d => d.Name).Order());
        var stage = Assert.Single(record.Stages);
        Assert.Equal(1.0, stage.Weights.Values.Sum(), 9);
        Assert.Equal(record.Datasets.Sum(d => d.PlannedTokens), stage.Tokens, (double)stage.Tokens / 50); // rows round per dataset
        Assert.NotNull(record.HeldOutLoss);

        var second = _temp.File("second");
        var from = Path.Combine(first, "model");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(counting, "train.max_steps=3", "schedule.warmup_steps=1", "model.preset=", "model.vocab_size=", $"model.from={from}"), second))
            Assert.True(trainer.Run().Completed);
        var continued = TrainingRecord.Read(Path.Combine(second, "model"))!;
        Assert.Equal($"model:{from}", continued.Init);
        Assert.Equal(["pretrain", "pretrain"], continued.Lineage().Select(r => r.Kind));
        Assert.Equal([6L, 3L], continued.Lineage().Select(r => r.Steps));
        Assert.Equal(["counting"], continued.Datasets.Select(d => d.Name));

        Directory.CreateDirectory(_temp.File("eval"));
        new EvalSummary("perplexity", "second", DateTimeOffset.UnixEpoch, new Dictionary<string, double> { ["ppl/ja"] = 12.5 })
            .Write(_temp.File("eval/ppl.json"), new { });
        var card = ModelCard.Write(Path.Combine(second, "model"), new ModelCardOptions
        {
            License = "apache-2.0", EvalResults = [_temp.File("eval")], IntendedUse = "テスト用のモデルです。",
        });
        Assert.Equal(card, File.ReadAllText(Path.Combine(second, "model", "README.md")));
        Assert.StartsWith("---\nlicense: apache-2.0\n", card);
        Assert.Contains("1. **pretrain** from `preset:tiny`: 6 steps", card);
        Assert.Contains($"2. **pretrain** from `model:{from}`: 3 steps", card);
        Assert.Contains("| noise | noise |", card);       // the first run's mixture is on the card, not only the last run's
        Assert.Contains("| ppl/ja | 12.5 |", card);
        Assert.Contains("テスト用のモデルです。", card);
        Assert.DoesNotContain("| experts |", card); // a dense model
    }

    [Fact]
    public void ACardNeedsAConfigAndALicence()
    {
        var dir = _temp.File("empty");
        Directory.CreateDirectory(dir);
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => ModelCard.Render(dir, new ModelCardOptions { License = "mit" })).Message);
        Assert.Contains("--license", Assert.Throws<ArgumentException>(() => ModelCard.Render(dir, new ModelCardOptions { License = " " })).Message);
    }
}
