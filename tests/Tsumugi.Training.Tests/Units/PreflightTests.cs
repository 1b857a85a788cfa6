using Tsumugi.Datasets;
using Tsumugi.Training.Config;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Units;

/// <summary>Bad configs and bad data are refused before any training step, with a message naming what and where.</summary>
public class PreflightTests
{
    static TrainConfigException Refused(string run, TrainConfig config) =>
        Assert.Throws<TrainConfigException>(() => TinyRuns.Open(config, run).Dispose());

    [Fact]
    public void UnknownYamlKeyNamesTheFileLineAndAllowedKeys()
    {
        var e = Assert.Throws<TrainConfigException>(() => TrainConfig.Parse("model: {preset: tiny}\ndata: {path: x}\ntrain:\n  seq_len: 128\n", "run.yaml", "/tmp"));
        Assert.Contains("run.yaml:4", e.Message);
        Assert.Contains("train.seq_len", e.Message);
        Assert.Contains("seq_length", e.Message);
        var set = Assert.Throws<TrainConfigException>(() => TrainConfig.Load(TinyRuns.TinyConfig, ["data.path=x", "optimizer.learning_rate=1"]));
        Assert.Contains("optimizer.learning_rate", set.Message);
    }

    [Fact]
    public void StageWeightsThatDoNotSumToOneAreRefused()
    {
        using var temp = new TempDirectory();
        var a = SyntheticDatasets.Counting(temp.File("data"), "a", documents: 50);
        var yaml = $"""
            model: {"{"}preset: tiny, vocab_size: 256{"}"}
            data:
              datasets: {"{"}a: {a}{"}"}
              stages:
                - {"{"}name: one, tokens: 10K, mixture: {"{"}a: 0.7{"}"}{"}"}
            """;
        var config = TrainConfig.Parse(yaml, "stages.yaml", temp.Path);
        var e = Refused(temp.File("run"), config);
        Assert.Contains("sum to 0.7", e.Message);
    }

    [Fact]
    public void MissingOrCorruptIdxAndVocabularyMismatchAreRefused()
    {
        using var temp = new TempDirectory();
        var prefix = SyntheticDatasets.Counting(temp.File("data"), documents: 50);
        var missing = Refused(temp.File("r1"), TinyRuns.Config(temp.File("nowhere/x")));
        Assert.Contains("nowhere", missing.Message);

        // A model whose vocabulary is smaller than the tokenizer's the data was written with.
        var vocab = Refused(temp.File("r2"), TinyRuns.Config(prefix, "model.vocab_size=128"));
        Assert.Contains("vocabulary of 256", vocab.Message);

        File.WriteAllBytes(prefix + ".idx", File.ReadAllBytes(prefix + ".idx")[..20]); // truncated index
        var corrupt = Assert.ThrowsAny<Exception>(() => TinyRuns.Open(TinyRuns.Config(prefix), temp.File("r3")).Dispose());
        Assert.IsNotType<NullReferenceException>(corrupt);
        Assert.Contains("counting.idx", corrupt.Message);
    }

    [Fact]
    public void ContradictoryBudgetsAndBatchGeometryAreRefusedWithTheFix()
    {
        using var temp = new TempDirectory();
        var prefix = SyntheticDatasets.Counting(temp.File("data"), documents: 50);
        var geometry = Refused(temp.File("r1"), TinyRuns.Config(prefix, "train.global_batch_tokens=1000"));
        Assert.Contains("not a multiple of micro_batch_size × seq_length", geometry.Message);
        Assert.Contains("use 768 or 1,024", geometry.Message);
        var budget = Refused(temp.File("r2"), TinyRuns.Config(prefix, "train.tokens=100000"));
        Assert.Contains("disagree", budget.Message);
        var noPath = Assert.Throws<TrainConfigException>(() => TrainConfig.Load(TinyRuns.TinyConfig));
        Assert.Contains("data.path", noPath.Message);

        var curriculum = $"""
            model: {"{"}preset: tiny, vocab_size: 256{"}"}
            train: {"{"}seq_length: 64, micro_batch_size: 4, max_steps: 7{"}"}
            data:
              datasets: {"{"}a: {prefix}{"}"}
              stages: [{"{"}name: one, tokens: 2560, mixture: {"{"}a: 1{"}"}{"}"}]
            """;
        var steps = Refused(temp.File("r3"), TrainConfig.Parse(curriculum, "c.yaml", temp.Path));
        Assert.Contains("max_steps 7 contradicts the curriculum", steps.Message);
        Assert.Contains("set it to 10", steps.Message);
    }

    [Fact]
    public void PlanWhoseCheckpointsCannotFitOnTheDiskIsRefused()
    {
        using var temp = new TempDirectory();
        var prefix = SyntheticDatasets.Counting(temp.File("data"), documents: 50);
        // Keeping every checkpoint of a very long run needs far more than any disk.
        var e = Refused(temp.File("run"), TinyRuns.Config(prefix, "train.max_steps=2000000000", "checkpoint.keep_every=1"));
        Assert.Contains("of disk", e.Message);
        Assert.Contains("free", e.Message);
        Assert.False(Directory.Exists(Path.Combine(temp.File("run"), "checkpoints", "step-1")));
    }

    [Fact]
    public void ForeignDatasetWithoutAManifestTrainsWithTheVocabularyInferredFromItsIds()
    {
        using var temp = new TempDirectory();
        var prefix = SyntheticDatasets.Counting(temp.File("data"), documents: 80);
        File.Delete(Path.Combine(temp.File("data"), DatasetManifest.FileName)); // as written by Megatron's own tools
        using var trainer = TinyRuns.Open(TinyRuns.Config(prefix, "train.max_steps=6", "checkpoint.interval=0"), temp.File("run"));
        Assert.Equal(256, trainer.Model.Config.VocabSize); // max id 255 → 256 (a multiple of 64)
        Assert.True(trainer.Run().Completed);
    }
}
