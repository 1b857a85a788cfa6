using Tsumugi.Training.Config;

namespace Tsumugi.Training.Tests.Units;

public sealed class ConfigOverridesTests
{
    const string Yaml = "model: {preset: tiny, tokenizer: tok}\ndata: {path: data}\ntrain: {seq_length: 128}\n";

    /// <summary>Paths in the file are relative to the file; paths typed with --set to the current directory, like any shell argument.</summary>
    [Fact]
    public void RelativePathsFromSetMeanTheWorkingDirectory()
    {
        var fromFile = TrainConfig.Parse(Yaml, "run.yaml", "/configs");
        Assert.Equal("/configs/data", fromFile.Data.Path);
        Assert.Equal("/configs/tok", fromFile.Model.Tokenizer);

        var fromCli = TrainConfig.Parse(Yaml, "run.yaml", "/configs", ["data.path=out/data", "model.tokenizer=/abs/tok", "train.seq_length=64"]);
        Assert.Equal(Path.GetFullPath("out/data"), fromCli.Data.Path);
        Assert.Equal("/abs/tok", fromCli.Model.Tokenizer);
        Assert.Equal(64, fromCli.Train.SeqLength);
    }

    [Theory]
    [InlineData("train.seq_lenght=5", "unknown key 'train.seq_lenght'")]
    [InlineData("train.seq_length=abc", "train.seq_length: 'abc' is not an integer")]
    [InlineData("nosuch.key=1", "unknown key 'nosuch'")]
    public void Parse_BadOverride_NamesTheSetFlagNotALineOfTheFile(string assignment, string expected)
    {
        var e = Assert.Throws<TrainConfigException>(() => TrainConfig.Parse(Yaml, "run.yaml", "/configs", ["train.micro_batch_size=2", assignment]));
        Assert.StartsWith($"--set {assignment}: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("run.yaml:", e.Message);
    }

    [Fact]
    public void Parse_BadKeyInTheFileWithOverrides_StillNamesTheFileLine()
    {
        var e = Assert.Throws<TrainConfigException>(() => TrainConfig.Parse(Yaml + "guard: {windw: 3}\n", "run.yaml", "/configs", ["train.seq_length=64"]));
        Assert.StartsWith("run.yaml:4: ", e.Message);
    }

    [Fact]
    public void Parse_SetKeyToNothing_RemovesTheKey()
    {
        // model.from replaces model.preset: without the unset, both would be given and refused.
        var config = TrainConfig.Parse(Yaml, "run.yaml", "/configs", ["model.preset=", "model.tokenizer=", "model.from=/models/base", "train.seq_length="]);
        Assert.Null(config.Model.Preset);
        Assert.Equal("/models/base", config.Model.From);
        Assert.Equal(new TrainSettings().SeqLength, config.Train.SeqLength);
        Assert.DoesNotContain("preset", config.EffectiveYaml);
    }

    [Fact]
    public void Parse_PackingAndValidationFractionBesideACurriculumFile_AreRead()
    {
        var yaml = "model: {preset: tiny}\ndata: {curriculum: cur.yaml, packing: best_fit, validation_fraction: 0.1}\n";
        var config = TrainConfig.Parse(yaml, "run.yaml", "/configs");
        Assert.Equal("/configs/cur.yaml", config.Data.CurriculumFile);
        Assert.Equal(Tsumugi.Datasets.Sampling.PackingMode.BestFit, config.Data.Packing);
        Assert.Equal(0.1, config.Data.ValidationFraction);
    }
}
