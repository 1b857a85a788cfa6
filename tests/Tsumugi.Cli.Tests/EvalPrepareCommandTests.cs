using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class EvalPrepareCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-eval-prepare-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    static string JnliLine(string a, string b, string label) =>
        $$"""{"sentence_pair_id": "0", "yjcaptions_id": "1", "sentence1": "{{a}}", "sentence2": "{{b}}", "label": "{{label}}"}""";

    [Fact]
    public void WritesTrainDevTestThatEvalTasksCanLoad()
    {
        Directory.CreateDirectory(Sub("raw"));
        File.WriteAllText(Sub("raw/train-v1.1.json"), string.Join("\n", Enumerable.Range(0, 10).Select(i => JnliLine($"前提{i}。", $"仮説{i}。", "neutral"))) + "\n");
        File.WriteAllText(Sub("raw/valid-v1.1.json"), JnliLine("犬が走る。", "動物が走る。", "entailment") + "\n");
        var run = CliRunner.Run("eval", "prepare", "--dataset", "jnli", "--raw", Sub("raw"), "--output", Sub("evaluation"));
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains($"jnli train: 9 samples → {Sub("evaluation/train/jnli.json")}", run.Out);
        Assert.Contains("jnli dev: 1 samples", run.Out);
        Assert.Contains("jnli test: 1 samples", run.Out);
        Assert.Contains("[jnli: 1 task(s) prepared", run.Err);
        // random.seed(42); shuffle(range(10)) == [7, 3, 2, 8, 5, 6, 9, 4, 0, 1]: record 1 is the dev sample.
        Assert.Equal("前提：前提1。\n仮説：仮説1。", EvalTaskFile.Load(Sub("evaluation/dev/jnli.json")).Samples.Single().Input);
        Assert.Equal(9, EvalTaskFile.Load(Sub("evaluation/train/jnli.json")).Samples.Count);
        Assert.Equal("entailment", EvalTaskFile.Load(Sub("evaluation/test/jnli.json")).Samples.Single().Output);
    }

    [Fact]
    public void ListNamesEveryDatasetAndItsRawFiles()
    {
        var run = CliRunner.Run("eval", "prepare", "--list");
        Assert.Equal(0, run.ExitCode);
        foreach (var name in new[] { "jcommonsenseqa", "jemhopqa", "niilc", "jsquad", "jnli", "janli", "jsick", "jamp" })
            Assert.Contains(name, run.Out);
        Assert.Contains("NIILC-ECQA2015_dev.xml", run.Out);
    }

    [Fact]
    public void AWrongLayoutIsOneCleanErrorNamingFileAndLine()
    {
        Directory.CreateDirectory(Sub("raw"));
        File.WriteAllText(Sub("raw/train-v1.1.json"), JnliLine("a", "b", "neutral") + "\n{\"question\": \"q\"}\n");
        File.WriteAllText(Sub("raw/valid-v1.1.json"), JnliLine("a", "b", "neutral") + "\n");
        var run = CliRunner.Run("eval", "prepare", "--dataset", "jnli", "--raw", Sub("raw"), "--output", Sub("evaluation"));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"error: jnli: {Sub("raw/train-v1.1.json")} line 2: field 'sentence1' missing.", run.Err.Split('\n').First(l => l.StartsWith("error:")));
        Assert.DoesNotContain("   at ", run.Err);
        Assert.DoesNotContain("--verbose", run.Err);
        Assert.False(Directory.Exists(Sub("evaluation")));
    }

    [Fact]
    public void AnUnknownDatasetNamesTheSupportedOnes()
    {
        var run = CliRunner.Run("eval", "prepare", "--dataset", "nosuch", "--raw", _dir, "--output", Sub("o"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unknown dataset 'nosuch'; supported: jcommonsenseqa, jemhopqa", run.Err);
    }
}
