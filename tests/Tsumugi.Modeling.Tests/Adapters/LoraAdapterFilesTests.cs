using System.Text.Json.Nodes;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Adapters;

/// <summary>PEFT's adapter directory (reference/post-training.md §5.2–5.3): key names, shapes, config fields and defaults.</summary>
public sealed class LoraAdapterFilesTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-lora");
    public void Dispose() => _dir.Dispose();

    static Tensor Ids => tensor(new long[] { 4, 8, 15, 16, 23, 42, 7, 1 }, [1, 8]);

    static Tensor Logits(LlamaForCausalLM model)
    {
        using var noGrad = no_grad();
        return model.Forward(Ids).Logits.detach().clone();
    }

    static LoraConfig Trained(params string[] targets) => new() { Rank = 4, Alpha = 16, TargetModules = targets, Init = LoraInit.Random };

    [Fact]
    public void Save_DenseModel_WritesPeftKeyNamesAndShapes()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense()); // hidden 32, 4 heads × 8, 2 KV heads, intermediate 48
        using var adapter = LoraAdapter.Attach(model, Trained("q_proj", "k_proj", "down_proj") with { ModulesToSave = ["lm_head"] });
        adapter.Save(_dir);
        using var file = SafetensorsFile.Open(_dir.File("adapter_model.safetensors"));
        var shapes = file.Entries.ToDictionary(e => e.Key, e => string.Join("x", e.Value.Shape));
        Assert.Equal(2 * 3 * 2 + 1, shapes.Count);
        Assert.Equal("4x32", shapes["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]);
        Assert.Equal("32x4", shapes["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"]);
        Assert.Equal("16x4", shapes["base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight"]);
        Assert.Equal("4x48", shapes["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"]);
        Assert.Equal("97x32", shapes["base_model.model.lm_head.weight"]);
        Assert.All(file.Entries.Values, e => Assert.Equal("F32", e.DType));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Save_Config_HasPeftFieldNamesAndValues()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using var adapter = LoraAdapter.Attach(model, new LoraConfig { Rank = 16, Alpha = 32, Dropout = 0.05, UseRsLora = true, TargetModules = [LoraConfig.AllLinear], BaseModelNameOrPath = "tiny" });
        adapter.Save(_dir);
        var o = JsonNode.Parse(File.ReadAllText(_dir.File("adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)o["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)o["task_type"]);
        Assert.Equal("tiny", (string?)o["base_model_name_or_path"]);
        Assert.Equal(16, (int?)o["r"]);
        Assert.Equal(32, (int?)o["lora_alpha"]); // an int, as PEFT types it
        Assert.Equal(0.05, (double?)o["lora_dropout"]);
        Assert.Equal(["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"], o["target_modules"]!.AsArray().Select(n => (string?)n));
        Assert.True((bool?)o["use_rslora"]);
        Assert.Equal(("none", false, false, true), ((string?)o["bias"], (bool?)o["use_dora"], (bool?)o["fan_in_fan_out"], (bool?)o["init_lora_weights"]));
        Assert.Null(o["modules_to_save"]);
        Assert.Null(o["layers_to_transform"]);
        Assert.Empty(o["rank_pattern"]!.AsObject());
        Assert.Empty(o["alpha_pattern"]!.AsObject());
    }

    [Fact]
    public void Read_MinimalPeftConfig_UsesPeftDefaults()
    {
        File.WriteAllText(_dir.File("adapter_config.json"), """{"peft_type": "LORA", "task_type": "CAUSAL_LM", "some_future_field": {"x": 1}}""");
        var c = LoraConfigJson.Read(_dir);
        Assert.Equal((8, 8.0, 0.0, false, LoraInit.Default), (c.Rank, c.Alpha, c.Dropout, c.UseRsLora, c.Init));
        Assert.Null(c.TargetModules); // → the model type's default (q_proj, v_proj)
        Assert.Null(c.ModulesToSave);
        Assert.Empty(c.RankPattern);
    }

    [Theory]
    [InlineData("\"use_dora\": true", "use_dora")]
    [InlineData("\"bias\": \"all\"", "bias")]
    [InlineData("\"init_lora_weights\": \"pissa\"", "init_lora_weights")]
    [InlineData("\"peft_type\": \"IA3\"", "peft_type")]
    [InlineData("\"r\": \"eight\"", "\"r\"")]
    [InlineData("\"r\": 0", "r must be a positive rank")]
    public void Read_UnsupportedOrInvalidField_ThrowsNamingFileAndField(string field, string expected)
    {
        File.WriteAllText(_dir.File("adapter_config.json"), $"{{{field}}}"); // every other field at PEFT's default
        var e = Assert.Throws<CheckpointException>(() => LoraConfigJson.Read(_dir));
        Assert.Contains(_dir.File("adapter_config.json"), e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SaveThenLoad_IntoFreshModel_GivesSameLogits(bool mixtral)
    {
        using var scope = NewDisposeScope();
        var config = mixtral ? TestModels.Mixtral() : TestModels.Dense();
        using var model = TestModels.Build(config);
        using var adapter = LoraAdapter.Attach(model, Trained(LoraConfig.AllLinear) with { ModulesToSave = ["embed_tokens"], UseRsLora = true });
        using (no_grad()) adapter.Parameters[^1].add_(0.5); // a trained modules_to_save value, not the base's
        var expected = Logits(model);
        adapter.Save(_dir);

        using var fresh = TestModels.Build(config);
        var baseLogits = Logits(fresh);
        using var loaded = LoraAdapter.Load(_dir, fresh);
        Assert.True(Logits(fresh).equal(expected).all().item<bool>());
        Assert.Equal(adapter.TargetNames, loaded.TargetNames);
        Assert.True(loaded.Config.UseRsLora);
        loaded.Detach();
        Assert.True(Logits(fresh).equal(baseLogits).all().item<bool>());
    }

    /// <summary>An adapter as PEFT writes it (no Tsumugi code involved in writing): the documented key names, fields
    /// PEFT adds that Tsumugi does not know, alpha ≠ r. Loading must add exactly (alpha/r)·B·A to the targeted weights.</summary>
    [Fact]
    public void Load_AdapterInPeftLayout_AddsAlphaOverRTimesBA()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        const int r = 2;
        var a = randn(r, 32);
        var b = randn(32, r);
        var tensors = new Dictionary<string, Tensor>();
        for (int layer = 0; layer < 2; layer++)
        {
            tensors[$"base_model.model.model.layers.{layer}.self_attn.q_proj.lora_A.weight"] = a;
            tensors[$"base_model.model.model.layers.{layer}.self_attn.q_proj.lora_B.weight"] = b;
        }
        SafetensorsWriter.Write(_dir.File("adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(_dir.File("adapter_config.json"), """
            {"alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "llm-jp/llm-jp-3-1.8b", "bias": "none",
             "corda_config": null, "eva_config": null, "exclude_modules": null, "fan_in_fan_out": false, "inference_mode": true,
             "init_lora_weights": true, "layer_replication": null, "layers_pattern": null, "layers_to_transform": null,
             "loftq_config": {}, "lora_alpha": 16, "lora_bias": false, "lora_dropout": 0.05, "megatron_config": null,
             "megatron_core": "megatron.core", "modules_to_save": null, "peft_type": "LORA", "peft_version": "0.17.1", "r": 2,
             "rank_pattern": {}, "revision": null, "target_modules": ["q_proj"], "target_parameters": null, "task_type": "CAUSAL_LM",
             "trainable_token_indices": null, "use_dora": false, "use_qalora": false, "use_rslora": false}
            """);
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var adapter = LoraAdapter.Load(_dir, model);
        adapter.Merge();
        var delta = 16.0 / r * b.matmul(a);
        foreach (var (name, p) in model.named_parameters())
        {
            var expected = name.EndsWith("self_attn.q_proj.weight") ? before[name] + delta : before[name];
            Assert.True((p.detach() - expected).abs().max().item<float>() < 1e-4, name);
        }
    }

    [Fact]
    public void Load_AdapterForWiderModel_ThrowsNamingFileAndKeyBeforeChangingModel()
    {
        using var scope = NewDisposeScope();
        var wide = TestModels.Dense();
        wide.IntermediateSize = 64;
        using (var other = TestModels.Build(wide))
        using (var adapter = LoraAdapter.Attach(other, Trained("up_proj")))
            adapter.Save(_dir);

        using var model = TestModels.Build(TestModels.Dense());
        var e = Assert.Throws<CheckpointException>(() => LoraAdapter.Load(_dir, model));
        Assert.Contains(_dir.File("adapter_model.safetensors"), e.Message);
        Assert.Contains("'base_model.model.model.layers.0.mlp.up_proj.lora_B.weight' has shape [64, 4] but this model needs [48, 4]", e.Message);
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad)); // nothing attached, nothing frozen
        using var again = LoraAdapter.Attach(model, new LoraConfig());
    }

    [Fact]
    public void Load_AdapterForDeeperModel_ThrowsNamingUnexpectedKey()
    {
        using var scope = NewDisposeScope();
        var deep = TestModels.Dense();
        deep.NumHiddenLayers = 3;
        using (var other = TestModels.Build(deep))
        using (var adapter = LoraAdapter.Attach(other, Trained("v_proj")))
            adapter.Save(_dir);

        using var model = TestModels.Build(TestModels.Dense());
        var e = Assert.Throws<CheckpointException>(() => LoraAdapter.Load(_dir, model));
        Assert.Contains("unexpected tensor 'base_model.model.model.layers.2.self_attn.v_proj.lora_A.weight'", e.Message);
        Assert.Contains("different base model", e.Message);
    }

    [Fact]
    public void Load_ConfigTargetsMissingFromWeights_ThrowsNamingMissingKey()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using (var adapter = LoraAdapter.Attach(model, Trained("q_proj")))
            adapter.Save(_dir);
        var config = JsonNode.Parse(File.ReadAllText(_dir.File("adapter_config.json")))!;
        config["target_modules"] = new JsonArray("q_proj", "o_proj");
        File.WriteAllText(_dir.File("adapter_config.json"), config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => LoraAdapter.Load(_dir, model));
        Assert.Contains("missing 4 tensor(s)", e.Message);
        Assert.Contains("'base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight'", e.Message);
    }

    [Fact]
    public void MergeDirectory_ModelAndAdapter_WritesPlainModelWithAdapterLogits()
    {
        using var scope = NewDisposeScope();
        string modelDir = Path.Combine(_dir, "base"), adapterDir = Path.Combine(_dir, "adapter"), output = Path.Combine(_dir, "merged");
        using (var source = TestModels.Build(TestModels.Dense())) HfModelDirectory.Save(source, modelDir);
        File.WriteAllText(Path.Combine(modelDir, "tokenizer.json"), "{}"); // copied as is
        Tensor expected;
        using (var model = HfModelDirectory.Load(modelDir))
        using (var adapter = LoraAdapter.Attach(model, Trained(LoraConfig.AllLinear)))
        {
            adapter.Save(adapterDir);
            expected = Logits(model);
        }
        var report = AdapterMerge.MergeDirectory(modelDir, adapterDir, output);
        Assert.Equal(7, report.TargetNames.Count);
        Assert.Contains("tokenizer.json", Directory.GetFiles(output).Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(_dir, ".merged*", SearchOption.TopDirectoryOnly));
        using var merged = HfModelDirectory.Load(output);
        Assert.True((Logits(merged) - expected).abs().max().item<float>() < 1e-3);

        var e = Assert.Throws<IOException>(() => AdapterMerge.MergeDirectory(modelDir, adapterDir, output));
        Assert.Contains("not empty", e.Message);
    }
}
