using System.Text.Json.Nodes;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>Qwen2 and Gemma 2 as configurations of the one model: training loss, checkpoints, config files, load errors.</summary>
public sealed class ArchitectureTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-arch-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static LlamaConfig ConfigFor(string name) => name == "gemma2" ? TestModels.Gemma2() : TestModels.Qwen2();

    static Tensor Ids(int b, int t, int seed) => tensor(TestModels.RandomIds(b, t, 97, seed).Cast<long>().ToArray(), [b, t]);

    [Theory]
    [InlineData("gemma2")]
    [InlineData("qwen2")]
    public void ChunkedTrainingLossAndGradientsEqualTheFullForward(string architecture)
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(ConfigFor(architecture));
        model.train();
        var ids = Ids(2, 24, seed: 11);
        var full = model.Forward(ids, labels: ids);
        full.Loss!.backward();
        var fullGrads = model.parameters().Select(p => p.grad!.clone()).ToArray();
        model.zero_grad();
        var chunked = model.TrainingLoss(ids, ids, chunkLogits: 97 * 5);
        chunked.Loss.backward();
        Assert.Equal(full.Loss!.item<float>(), chunked.Loss.item<float>(), 4);
        var grads = model.parameters().Select(p => p.grad!).ToArray();
        for (int i = 0; i < grads.Length; i++)
            Assert.True((grads[i] - fullGrads[i]).abs().max().item<float>() < 1e-5, $"gradient {i} differs");
    }

    [Fact]
    public void GemmaLogitsAreSoftcappedOnEveryPath()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Gemma2());
        using var _ = no_grad();
        var ids = Ids(1, 10, seed: 12);
        var logits = model.Forward(ids).Logits;
        Assert.True(logits.abs().max().item<float>() < 3.0f); // final_logit_softcapping 3
        var last = model.Forward(ids, lastTokenLogitsOnly: true).Logits;
        Assert.True((last[0, 0] - logits[0, 9]).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void GemmaNormsStartAtZeroAndBiasesAtZero()
    {
        using var gemma = new LlamaForCausalLM(TestModels.Gemma2());
        gemma.InitializeWeights(1);
        using var qwen = new LlamaForCausalLM(TestModels.Qwen2());
        qwen.InitializeWeights(1);
        using var scope = NewDisposeScope();
        var g = gemma.state_dict();
        Assert.Equal(0f, g["model.layers.0.pre_feedforward_layernorm.weight"].abs().max().item<float>());
        Assert.Equal(0f, g["model.norm.weight"].abs().max().item<float>());
        var q = qwen.state_dict();
        Assert.Equal(1f, q["model.norm.weight"].min().item<float>());
        Assert.Equal(0f, q["model.layers.0.self_attn.q_proj.bias"].abs().max().item<float>());
        Assert.False(q.ContainsKey("model.layers.0.self_attn.o_proj.bias"));
    }

    [Theory]
    [InlineData("gemma2")]
    [InlineData("qwen2")]
    public void SaveThenLoadKeepsConfigTensorsAndLogits(string architecture)
    {
        using var scope = NewDisposeScope();
        var config = ConfigFor(architecture);
        config.Extra = new() { ["my_unknown_key"] = System.Text.Json.JsonDocument.Parse("[1, 2]").RootElement.Clone() };
        var model = TestModels.Build(config);
        HfModelDirectory.Save(model, _dir);
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")))!.AsObject();
        Assert.Equal("[1,2]", saved["my_unknown_key"]!.ToJsonString());
        var tensors = StateDictIO.ReadAll(_dir);
        try
        {
            Assert.DoesNotContain("lm_head.weight", tensors.Keys); // tied in both
            if (architecture == "gemma2")
            {
                Assert.Contains("model.layers.2.post_feedforward_layernorm.weight", tensors.Keys);
                foreach (var key in new[] { "query_pre_attn_scalar", "attn_logit_softcapping", "final_logit_softcapping", "hidden_activation", "head_dim" })
                    Assert.True(saved.ContainsKey(key), key);
                Assert.Equal("Gemma2ForCausalLM", saved["architectures"]![0]!.GetValue<string>());
            }
            else
            {
                Assert.Contains("model.layers.0.self_attn.k_proj.bias", tensors.Keys);
                Assert.False(saved.ContainsKey("attention_bias"));
                Assert.Equal("Qwen2ForCausalLM", saved["architectures"]![0]!.GetValue<string>());
            }
            var expected = model.state_dict();
            foreach (var (name, t) in tensors) Assert.True((t - expected[name]).abs().max().item<float>() == 0, name);
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }

        using var loaded = HfModelDirectory.Load(_dir);
        using var _ = no_grad();
        var ids = Ids(1, 12, seed: 13);
        Assert.Equal(0f, (model.Forward(ids).Logits - loaded.Forward(ids).Logits).abs().max().item<float>());
        Assert.Equal(config.ToJson(), loaded.Config.ToJson());
    }

    [Fact]
    public void LlamaCheckpointUnderAQwen2ConfigNamesTheFirstMissingBias()
    {
        using var llama = TestModels.Build(TestModels.Dense(tie: true));
        HfModelDirectory.Save(llama, _dir);
        var config = TestModels.Qwen2();
        config.NumHiddenLayers = 2;
        config.Save(_dir);
        var e = Assert.Throws<CheckpointException>(() => HfModelDirectory.Load(_dir));
        Assert.Contains("model.layers.0.self_attn.q_proj.bias: missing (config model_type qwen2 expects q/k/v biases)", e.Message);
    }

    [Fact]
    public void GemmaCheckpointUnderALlamaConfigNamesTheUnexpectedNorm()
    {
        using var gemma = TestModels.Build(TestModels.Gemma2());
        HfModelDirectory.Save(gemma, _dir);
        var config = TestModels.Dense(tie: true);
        config.NumHiddenLayers = 3;
        config.HeadDimOverride = 12;
        config.Save(_dir);
        var e = Assert.Throws<CheckpointException>(() => HfModelDirectory.Load(_dir));
        Assert.Contains("model.layers.0.post_feedforward_layernorm.weight: unexpected (config model_type llama has no pre/post-feedforward norms", e.Message);
    }
}
