using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Tests;

/// <summary>PretrainedModelOptions.Adapter: every command that loads through PretrainedModel gets the adapter applied.</summary>
public sealed class PretrainedModelAdapterTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-adapter");
    public void Dispose() => _dir.Dispose();

    static Tensor Logits(LlamaForCausalLM model, long[] ids)
    {
        using var noGrad = no_grad();
        return model.Forward(tensor(ids, [1, ids.Length])).Logits.detach().clone();
    }

    [Fact]
    public void Load_WithAdapter_RunsBaseModelPlusAdapter()
    {
        using var scope = NewDisposeScope();
        string modelDir = TinyModelDirectory.Write(Path.Combine(_dir, "model"), ["こんにちは"], seed: 3, contextLength: 64);
        string adapterDir = Path.Combine(_dir, "adapter");
        long[] ids = [1, 40, 41, 42, 43];
        Tensor expected, baseLogits;
        using (var model = HfModelDirectory.Load(modelDir))
        {
            baseLogits = Logits(model, ids);
            using var adapter = LoraAdapter.Attach(model, new LoraConfig { Rank = 4, TargetModules = ["q_proj", "down_proj"], Init = LoraInit.Random });
            adapter.Save(adapterDir);
            expected = Logits(model, ids);
        }

        using var adapted = PretrainedModel.Load(modelDir, new PretrainedModelOptions { Adapter = adapterDir });
        Assert.NotNull(adapted.Adapter);
        Assert.Equal("model+adapter", adapted.Name);
        Assert.True(Logits(adapted.Model, ids).equal(expected).all().item<bool>());
        Assert.False(expected.equal(baseLogits).all().item<bool>());
        using var plain = PretrainedModel.Load(modelDir);
        Assert.Null(plain.Adapter);
        Assert.True(Logits(plain.Model, ids).equal(baseLogits).all().item<bool>());
    }

    [Fact]
    public void Load_AdapterWithoutConfig_ThrowsNamingTheMissingFile()
    {
        string modelDir = TinyModelDirectory.Write(Path.Combine(_dir, "model"), ["a"], seed: 3, contextLength: 64);
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        var e = Assert.Throws<CheckpointException>(() => PretrainedModel.Load(modelDir, new PretrainedModelOptions { Adapter = Path.Combine(_dir, "empty") }));
        Assert.Contains("adapter_config.json", e.Message);
    }
}
