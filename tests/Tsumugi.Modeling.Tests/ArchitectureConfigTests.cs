using System.Text.Json.Nodes;

namespace Tsumugi.Modeling.Tests;

/// <summary>Released Qwen2.5 and Gemma 2 config.json files: read, derived switches, written back key for key.</summary>
public class ArchitectureConfigTests
{
    const string Qwen25 = """
    {
      "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151643,
      "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02, "intermediate_size": 4864,
      "max_position_embeddings": 32768, "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14,
      "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
      "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.40.1",
      "use_cache": true, "use_sliding_window": false, "vocab_size": 151936
    }
    """;

    const string Gemma2 = """
    {
      "architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "attn_logit_softcapping": 50.0,
      "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1, "final_logit_softcapping": 30.0, "head_dim": 256,
      "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "initializer_range": 0.02,
      "intermediate_size": 9216, "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 8,
      "num_hidden_layers": 26, "num_key_value_heads": 4, "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
      "rope_theta": 10000.0, "sliding_window": 4096, "torch_dtype": "float32", "transformers_version": "4.42.4", "use_cache": true,
      "vocab_size": 256000
    }
    """;

    [Theory]
    [InlineData(Qwen25)]
    [InlineData(Gemma2)]
    public void SaveKeepsEveryKeyAndValue(string json)
    {
        var original = JsonNode.Parse(json)!.AsObject();
        var saved = JsonNode.Parse(LlamaConfig.FromJson(json).ToJson())!.AsObject();
        foreach (var (key, value) in original)
            Assert.True(JsonNode.DeepEquals(value, saved[key]), $"{key}: {value?.ToJsonString()} became {saved[key]?.ToJsonString()}");
    }

    [Fact]
    public void Qwen25ReadsAsBiasedTiedAndUnwindowed()
    {
        var c = LlamaConfig.FromJson(Qwen25);
        Assert.True(c.QkvBias);
        Assert.False(c.OProjBias);
        Assert.True(c.TieWordEmbeddings);
        Assert.False(c.HasWindowedLayers); // use_sliding_window false: sliding_window is not applied
        Assert.False(c.NormAddsOne);
        Assert.Equal(64, c.HeadDim);
        // 0.5B: 494,032,768 parameters (HF num_parameters()).
        Assert.Equal(494_032_768, ModelAccounting.For(c).TotalParameters);
    }

    [Fact]
    public void Gemma2ReadsItsSwitchesAndAlternatingWindows()
    {
        var c = LlamaConfig.FromJson(Gemma2);
        Assert.Equal((true, true, 256, "gelu_pytorch_tanh"), (c.NormAddsOne, c.SandwichNorms, c.HeadDim, c.Activation));
        Assert.Equal(Math.Sqrt(2304), c.EmbeddingScale);
        Assert.Equal(1 / 16.0, c.AttentionScale);
        Assert.Equal((50.0, 30.0), (c.AttentionSoftcap, c.LogitSoftcap));
        Assert.Equal([4096, null, 4096], new[] { c.LayerSlidingWindow(0), c.LayerSlidingWindow(1), c.LayerSlidingWindow(2) });
        // gemma-2-2b: 2,614,341,888 parameters (HF num_parameters()).
        Assert.Equal(2_614_341_888, ModelAccounting.For(c).TotalParameters);
    }

    [Fact]
    public void TypeDefaultsApplyWhereTheKeyIsAbsent()
    {
        var g = LlamaConfig.FromJson("""{"model_type": "gemma2", "vocab_size": 100, "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2}""");
        Assert.Equal((256, 256, 50.0, 30.0, 4096, true), (g.HeadDim, g.QueryPreAttnScalar, g.AttnLogitSoftcapping, g.FinalLogitSoftcapping, g.SlidingWindow, g.TieWordEmbeddings));
        Assert.Equal((2, 1, 0), (g.BosTokenId, g.EosTokenIds[0], g.PadTokenId));
        var q = LlamaConfig.FromJson("""{"model_type": "qwen2", "vocab_size": 100, "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2}""");
        Assert.Equal((false, 28, 4096), (q.UseSlidingWindow, q.MaxWindowLayers, q.SlidingWindow));
        var windowed = LlamaConfig.FromJson("""{"model_type": "qwen2", "use_sliding_window": true, "max_window_layers": 1, "sliding_window": 8, "vocab_size": 100, "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2}""");
        Assert.Equal([null, 8], new[] { windowed.LayerSlidingWindow(0), windowed.LayerSlidingWindow(1) });
    }

    [Theory]
    [InlineData("\"model_type\": \"phi3\"", "model_type 'phi3' is not supported (supported: llama, mistral, mixtral, qwen2, gemma2)")]
    [InlineData("\"model_type\": \"gemma2\", \"hidden_activation\": \"relu\"", "hidden_activation 'relu' is not supported (supported: silu, gelu_pytorch_tanh)")]
    [InlineData("\"model_type\": \"gemma2\", \"attn_logit_softcapping\": 0.0", "attn_logit_softcapping must be positive")]
    [InlineData("\"model_type\": \"gemma2\", \"query_pre_attn_scalar\": -1", "query_pre_attn_scalar must be positive")]
    [InlineData("\"model_type\": \"qwen2\", \"max_window_layers\": -1", "max_window_layers must not be negative")]
    public void RejectsBadValuesNamingTheKey(string field, string expected)
    {
        var node = JsonNode.Parse("{" + field + "}")!.AsObject();
        var baseObject = JsonNode.Parse("{\"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4}")!.AsObject();
        foreach (var (k, v) in node) baseObject[k] = v?.DeepClone();
        var e = Assert.Throws<InvalidDataException>(() => LlamaConfig.FromJson(baseObject.ToJsonString(), "my/config.json"));
        Assert.Contains(expected, e.Message);
    }
}
