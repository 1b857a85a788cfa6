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
}
