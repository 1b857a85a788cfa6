using System.Text.Json.Nodes;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

public sealed class HfModelDirectoryTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-hfdir-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static Tensor Ids => tensor(new long[] { 4, 8, 15, 16, 23, 42, 7, 1 }, [1, 8]);

    public static TheoryData<string> Shapes() => new() { "untied-gqa", "tied", "bias", "mixtral" };

    static LlamaConfig ConfigFor(string name) => name switch
    {
        "untied-gqa" => TestModels.Dense(),
        "tied" => TestModels.Dense(tie: true),
        "bias" => TestModels.Dense(bias: true),
        _ => TestModels.Mixtral(),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SaveThenLoadGivesIdenticalLogits(string shape)
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(ConfigFor(shape));
        HfModelDirectory.Save(model, _dir);
        var loaded = HfModelDirectory.Load(_dir);
        using var _ = no_grad();
        Assert.True(model.Forward(Ids).Logits.equal(loaded.Forward(Ids).Logits).all().item<bool>());
        var keys = SafetensorsFile.Open(Path.Combine(_dir, "model.safetensors")).Entries.Keys.ToHashSet();
        Assert.Equal(shape == "tied", !keys.Contains("lm_head.weight"));
        Assert.Contains("model.layers.1.post_attention_layernorm.weight", keys);
        Assert.True(File.Exists(Path.Combine(_dir, "generation_config.json")));
    }

    [Fact]
    public void ShardedSaveLoadsBack()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        HfModelDirectory.Save(model, _dir, maxShardBytes: 8 * 1024);
        Assert.True(File.Exists(Path.Combine(_dir, "model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(_dir, "model-*-of-*.safetensors").Length > 1);
        var loaded = HfModelDirectory.Load(_dir);
        using var _ = no_grad();
        Assert.True(model.Forward(Ids).Logits.equal(loaded.Forward(Ids).Logits).all().item<bool>());
    }

    [Fact]
    public void Bf16SaveRecordsTheDtypeAndRoundsWeights()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        HfModelDirectory.Save(model, _dir, dtype: ScalarType.BFloat16);
        Assert.Equal("bfloat16", JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")))!["torch_dtype"]!.GetValue<string>());
        var loaded = HfModelDirectory.Load(_dir);
        var original = model.state_dict();
        foreach (var (name, p) in loaded.state_dict())
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.True(p.equal(original[name].to_type(ScalarType.BFloat16).to_type(ScalarType.Float32)).all().item<bool>(), name);
        }
    }

    [Fact]
    public void ConfigContradictingTheWeightsNamesTheTensor()
    {
        using var scope = NewDisposeScope();
        HfModelDirectory.Save(TestModels.Build(TestModels.Dense()), _dir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")))!.AsObject();
        config["intermediate_size"] = 64;
        File.WriteAllText(Path.Combine(_dir, "config.json"), config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => HfModelDirectory.Load(_dir));
        Assert.Contains("mlp.", e.Message);
        Assert.Contains("[48, 32]", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void MissingLayerIsListedByName()
    {
        using var scope = NewDisposeScope();
        HfModelDirectory.Save(TestModels.Build(TestModels.Dense()), _dir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")))!.AsObject();
        config["num_hidden_layers"] = 3;
        File.WriteAllText(Path.Combine(_dir, "config.json"), config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => HfModelDirectory.Load(_dir));
        Assert.Contains("model.layers.2.self_attn.q_proj.weight", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void CopiesTokenizerFilesWhenGiven()
    {
        using var scope = NewDisposeScope();
        var tokenizer = Directory.CreateDirectory(Path.Combine(_dir, "tok")).FullName;
        File.WriteAllText(Path.Combine(tokenizer, "tokenizer.json"), "{}");
        File.WriteAllText(Path.Combine(tokenizer, "tokenizer_config.json"), "{}");
        var modelDir = Path.Combine(_dir, "model");
        HfModelDirectory.Save(TestModels.Build(TestModels.Dense()), modelDir, tokenizerDirectory: tokenizer);
        Assert.True(File.Exists(Path.Combine(modelDir, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(modelDir, "tokenizer_config.json")));
        Assert.False(File.Exists(Path.Combine(modelDir, "tokenizer.model")));
    }
}
