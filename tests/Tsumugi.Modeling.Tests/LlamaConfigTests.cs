using System.Text.Json.Nodes;

namespace Tsumugi.Modeling.Tests;

public class LlamaConfigTests
{
    const string Llama31 = """
    {
      "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000,
      "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096,
      "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072,
      "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
      "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
      "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                       "original_max_position_embeddings": 8192, "rope_type": "llama3"},
      "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
      "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256
    }
    """;

    [Fact]
    public void ReadsALlama31Config()
    {
        var c = LlamaConfig.FromJson(Llama31);
        Assert.Equal(8, c.NumKeyValueHeads);
        Assert.Equal(128, c.HeadDim);
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 8192), c.RopeScaling);
        Assert.Equal(new[] { 128001, 128008, 128009 }, c.EosTokenIds);
        Assert.Equal("bfloat16", c.TorchDtype);
    }

    [Fact]
    public void SaveKeepsUnknownKeysAndEveryModelledValue()
    {
        var original = JsonNode.Parse(Llama31)!.AsObject();
        var saved = JsonNode.Parse(LlamaConfig.FromJson(Llama31).ToJson())!.AsObject();
        foreach (var (key, value) in original)
            Assert.True(JsonNode.DeepEquals(value, saved[key]), $"{key}: {value?.ToJsonString()} became {saved[key]?.ToJsonString()}");
    }

    [Fact]
    public void ReadsAndKeepsTheTransformersV5RopeParametersSpelling()
    {
        var json = """
        {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
         "num_attention_heads": 4, "rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 20000.0}}
        """;
        var c = LlamaConfig.FromJson(json);
        Assert.Equal(20000.0, c.RopeTheta);
        Assert.Equal("linear", c.RopeScaling!.Type);
        Assert.Equal(2.0, c.RopeScaling.Factor);
        Assert.Equal(4, c.NumKeyValueHeads); // absent means multi-head attention
        var saved = JsonNode.Parse(c.ToJson())!.AsObject();
        Assert.Null(saved["rope_theta"]);
        Assert.Equal(20000.0, saved["rope_parameters"]!["rope_theta"]!.GetValue<double>());
    }

    [Fact]
    public void ReadsMixtralWithTheNumExpertsAlias()
    {
        var c = LlamaConfig.FromJson("""
        {"model_type": "mixtral", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "num_experts": 8, "num_experts_per_tok": 2, "router_aux_loss_coef": 0.02}
        """);
        Assert.True(c.IsMoE);
        Assert.Equal(8, c.NumLocalExperts);
        Assert.Equal(0.02, c.RouterAuxLossCoef);
        Assert.Equal(8, JsonNode.Parse(c.ToJson())!["num_local_experts"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("\"hidden_size\": 66", "hidden_size (66) is not divisible by num_attention_heads (4)")]
    [InlineData("\"num_key_value_heads\": 3", "num_attention_heads (4) is not divisible by num_key_value_heads (3)")]
    [InlineData("\"model_type\": \"mixtral\", \"num_local_experts\": 2, \"num_experts_per_tok\": 3", "num_experts_per_tok (3)")]
    [InlineData("\"hidden_size\": \"64\"", "hidden_size must be an integer")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}", "rope_scaling.rope_type 'yarn' is not supported")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"linear\"}", "rope_scaling.factor is required")]
    [InlineData("\"model_type\": \"gpt2\"", "model_type 'gpt2' is not supported")]
    [InlineData("\"hidden_act\": \"gelu\"", "hidden_act 'gelu'")]
    [InlineData("\"eos_token_id\": 500", "eos_token_id (500) is outside the vocabulary")]
    [InlineData("\"vocab_size\": 0", "vocab_size must be positive")]
    [InlineData("\"vocab_size\": 2000000000, \"hidden_size\": 2000000000, \"intermediate_size\": 2000000000", "parameters (vocab_size 2000000000, hidden_size 2000000000")]
    public void RejectsInvalidCombinationsNamingTheKey(string field, string expected)
    {
        // Start from a valid config and override the fields under test.
        var node = JsonNode.Parse("{" + field + "}")!.AsObject();
        var baseObject = JsonNode.Parse("{\"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"model_type\": \"llama\"}")!.AsObject();
        foreach (var (k, v) in node) baseObject[k] = v?.DeepClone();
        var e = Assert.Throws<InvalidDataException>(() => LlamaConfig.FromJson(baseObject.ToJsonString(), "my/config.json"));
        Assert.StartsWith("my/config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void InvalidJsonIsReportedWithTheFileName()
    {
        var e = Assert.Throws<InvalidDataException>(() => LlamaConfig.FromJson("{ not json", "x/config.json"));
        Assert.StartsWith("x/config.json: invalid JSON", e.Message);
    }

    [Fact]
    public void EveryPresetIsValidAndNamedShapesHaveTheirPublishedSizes()
    {
        foreach (var (name, _) in ModelPresets.List()) ModelPresets.Get(name).Validate(name);
        Assert.True(ModelPresets.Get("tiny").VocabSize >= 1024);
        // Llama-2-7B has 6,738,415,616 parameters; Mixtral-8x7B 46,702,792,704 total and ≈12.9B active.
        Assert.Equal(6_738_415_616, ModelAccounting.For(ModelPresets.Get("7b")).TotalParameters);
        var mixtral = ModelAccounting.For(ModelPresets.Get("mixtral-8x7b"));
        Assert.Equal(46_702_792_704, mixtral.TotalParameters);
        Assert.InRange(mixtral.ActiveParameters, 12_800_000_000, 13_000_000_000);
        Assert.Equal(7_241_732_096, ModelAccounting.For(ModelPresets.Get("mistral-7b")).TotalParameters);
        // HF num_parameters(): Qwen2.5-0.5B 494,032,768 (q/k/v biases, tied); gemma-2-2b 2,614,341,888 (four norms a layer, tied).
        Assert.Equal(494_032_768, ModelAccounting.For(ModelPresets.Get("qwen2.5-0.5b")).TotalParameters);
        Assert.Equal(2_614_341_888, ModelAccounting.For(ModelPresets.Get("gemma2-2b")).TotalParameters);
    }

    [Fact]
    public void FloatFieldsAreWrittenAsFloatsEvenWhenIntegral()
    {
        // transformers v5 rejects `"router_jitter_noise": 0` (int) for a float field.
        var c = ModelPresets.Get("mixtral-8x7b");
        c.RouterJitterNoise = 0;
        var json = c.ToJson();
        Assert.Contains("\"router_jitter_noise\": 0.0", json);
        Assert.Contains("\"rope_theta\": 1000000.0", json);
        Assert.Contains("\"rms_norm_eps\": 1E-05", json.Replace("1e-05", "1E-05"));
    }

    [Fact]
    public void AbsentKeysGetTheSameDefaultsAsAConfigBuiltInCode()
    {
        // One set of defaults: transformers' LlamaConfig ones, for a file missing the key and for `new LlamaConfig()`.
        var read = JsonNode.Parse(LlamaConfig.FromJson("{}").ToJson())!.AsObject();
        var built = JsonNode.Parse(new LlamaConfig().ToJson())!.AsObject();
        Assert.True(JsonNode.DeepEquals(built, read), $"{built.ToJsonString()} vs {read.ToJsonString()}");
        var c = LlamaConfig.FromJson("{}");
        Assert.Equal((2048, 1, 2, 32), (c.MaxPositionEmbeddings, c.BosTokenId, c.EosTokenIds.Single(), c.NumKeyValueHeads));
        Assert.Equal(["MistralForCausalLM"], LlamaConfig.FromJson("""{"model_type": "mistral"}""").Architectures);
    }

    [Fact]
    public void NullMeansTheDefaultExceptWhereNullIsAValue()
    {
        var c = LlamaConfig.FromJson("""
        {"vocab_size": 100, "hidden_size": 64, "num_attention_heads": 4, "rms_norm_eps": null, "torch_dtype": null,
         "bos_token_id": null, "eos_token_id": null, "sliding_window": null, "rope_scaling": null, "max_position_embeddings": 64.0}
        """);
        Assert.Equal((1e-6, "float32", 64), (c.RmsNormEps, c.TorchDtype, c.MaxPositionEmbeddings));
        Assert.Null(c.BosTokenId);
        Assert.Empty(c.EosTokenIds);
        var clone = c.Clone(); // our own output reads back the same: no BOS stays no BOS
        Assert.Null(clone.BosTokenId);
        Assert.Empty(clone.EosTokenIds);
    }

    [Fact]
    public void AliasesAreReadAndWrittenInTheMainSpelling()
    {
        var c = LlamaConfig.FromJson("""
        {"model_type": "mixtral", "vocab_size": 100, "hidden_size": 64, "num_attention_heads": 4, "num_experts": 4, "dtype": "bfloat16",
         "rope_scaling": {"type": "linear", "factor": 2}}
        """);
        Assert.Equal((4, "bfloat16", "linear"), (c.NumLocalExperts, c.TorchDtype, c.RopeScaling!.Type));
        var saved = JsonNode.Parse(c.ToJson())!.AsObject();
        Assert.False(saved.ContainsKey("num_experts") || saved.ContainsKey("dtype"));
        Assert.Equal("linear", saved["rope_scaling"]!["rope_type"]!.GetValue<string>());
    }

    [Fact]
    public void SavedTextIsHfsKeyOrderAndSpelling()
    {
        Assert.Equal("""
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "model_type": "llama",
              "vocab_size": 1024,
              "hidden_size": 64,
              "intermediate_size": 192,
              "num_hidden_layers": 2,
              "num_attention_heads": 4,
              "num_key_value_heads": 2,
              "hidden_act": "silu",
              "max_position_embeddings": 512,
              "initializer_range": 0.02,
              "rms_norm_eps": 1E-05,
              "rope_theta": 10000.0,
              "rope_scaling": null,
              "tie_word_embeddings": true,
              "attention_bias": false,
              "mlp_bias": false,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "torch_dtype": "float32"
            }
            """.ReplaceLineEndings("\n"), ModelPresets.Get("tiny").ToJson().ReplaceLineEndings("\n"));
    }
}
