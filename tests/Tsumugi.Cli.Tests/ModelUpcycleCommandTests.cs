using System.Text.Json.Nodes;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi model upcycle` and mergekit-moe `tsumugi merge` as a user runs them, and the upcycled model training.</summary>
[Collection("cli")]
public sealed class ModelUpcycleCommandTests : IDisposable
{
    static readonly string[] Words = ["ねこ", "いぬ", "とり", "さかな", "です"];
    readonly TempDirectory _temp = new("tsumugi-upcycle-cli");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Upcycle_ThenTrain_LossFiniteAndExpertSharesLoggedPerLayer()
    {
        var dense = TinyModelDirectory.Write(_temp.File("dense"), Words, seed: 1, contextLength: 256);
        var corpus = _temp.File("corpus.jsonl");
        var random = new Random(3);
        File.WriteAllLines(corpus, Enumerable.Range(0, 300).Select(_ =>
            new JsonObject { ["text"] = string.Join(" ", Enumerable.Range(0, 30).Select(_ => Words[random.Next(Words.Length)])) }.ToJsonString()));
        var (code, output, err) = CliRunner.Run("data", "tokenize", "--input", corpus, "--tokenizer", dense, "--output", _temp.File("data"), "--threads", "1");
        Assert.True(code == 0, err + output);

        (code, output, err) = SpectreOutput.Run("model", "upcycle", "--model", dense, "--experts", "4", "--top-k", "2", "--drop-ratio", "0.5", "--output", _temp.File("moe"));
        Assert.True(code == 0, err + output);
        Assert.Contains("Drop-Upcycling", output);
        var config = JsonNode.Parse(File.ReadAllText(_temp.File("moe/config.json")))!;
        Assert.Equal(4, (int)config["num_local_experts"]!);

        (code, output, err) = CliRunner.Run("train", "--config", Path.Combine(RepoPaths.Configs, "tiny.yaml"), "--output", _temp.File("run"),
            "--set", "model.preset=", "--set", "model.vocab_size=", "--set", $"model.from={_temp.File("moe")}", "--set", $"data.path={_temp.File("data")}",
            "--set", "train.max_steps=3", "--set", "train.seq_length=64", "--set", "schedule.warmup_steps=1", "--set", "checkpoint.interval=0",
            "--set", "eval.interval=0", "--set", "log.interval=1");
        Assert.True(code == 0, err + output);
        var lines = File.ReadAllLines(_temp.File("run/metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Where(l => l["expert_share"] is not null).ToList();
        Assert.Equal(3, lines.Count);
        foreach (var line in lines)
        {
            Assert.True(double.IsFinite((double)line["loss"]!), line.ToJsonString());
            var layers = line["expert_share"]!.AsArray();
            Assert.Equal(2, layers.Count);
            Assert.All(layers, l => Assert.Equal(4, l!.AsArray().Count));
            Assert.InRange(layers.Sum(l => l!.AsArray().Sum(v => (double)v!)), 1.99, 2.01);
        }
    }

    [Fact]
    public void Upcycle_SeveralModels_ExpertsNotAMultiple_IsAClearError()
    {
        var a = TinyModelDirectory.Write(_temp.File("a"), Words, seed: 1);
        var b = TinyModelDirectory.Write(_temp.File("b"), Words, seed: 2);
        var (code, output, err) = SpectreOutput.Run("model", "upcycle", "--model", a, "--model", b, "--experts", "3", "--top-k", "2", "--output", _temp.File("btx"));
        Assert.NotEqual(0, code);
        Assert.Contains("not a multiple", err + output);
        Assert.False(Directory.Exists(_temp.File("btx")));

        (code, output, err) = SpectreOutput.Run("model", "upcycle", "--model", a, "--model", b, "--experts", "4", "--top-k", "2", "--output", _temp.File("btx"));
        Assert.True(code == 0, err + output);
        Assert.Contains("BTX from 2 models", output);
    }

    [Fact]
    public void Merge_MergekitMoeConfig_BuildsAMixtral()
    {
        var a = TinyModelDirectory.Write(_temp.File("a"), Words, seed: 1);
        var b = TinyModelDirectory.Write(_temp.File("b"), Words, seed: 2);
        var yaml = _temp.File("moe.yaml");
        File.WriteAllText(yaml, $"base_model: {a}\ngate_mode: hidden\nexperts:\n  - source_model: {a}\n    positive_prompts: [\"ねこ\"]\n  - source_model: {b}\n    positive_prompts: [\"いぬ\"]\n");
        var (code, output, err) = SpectreOutput.Run("merge", "--config", yaml, "--output", _temp.File("moe"));
        Assert.True(code == 0, err + output);
        Assert.Contains("mergekit-moe", output);
        Assert.Equal("mixtral", (string)JsonNode.Parse(File.ReadAllText(_temp.File("moe/config.json")))!["model_type"]!);

        File.WriteAllText(yaml, $"base_model: {a}\ngate_mode: learned\nexperts:\n  - source_model: {a}\n");
        (code, output, err) = SpectreOutput.Run("merge", "--config", yaml, "--output", _temp.File("bad"));
        Assert.NotEqual(0, code);
        Assert.Contains("moe.yaml:2", err + output);
        Assert.Contains("gate_mode 'learned'", err + output);
    }
}
