using Tsumugi.Modeling.Adapters;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Adapters;

/// <summary><see cref="LoraAdapter.Bypass"/>: the base model's outputs from the adapted model, and back.</summary>
public sealed class LoraBypassTests
{
    static Tensor Ids => tensor(new long[] { 4, 8, 15, 16, 23, 42, 7, 1, 3, 90 }, [2, 5]);

    static Tensor Logits(LlamaForCausalLM model)
    {
        using var noGrad = no_grad();
        return model.Forward(Ids).Logits.detach().clone();
    }

    static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    /// <summary>Random A and B and a trained lm_head (moved away from its original values), so both parts matter.</summary>
    static LoraAdapter AttachTrained(LlamaForCausalLM model)
    {
        var adapter = LoraAdapter.Attach(model, new LoraConfig
        {
            Rank = 4, Alpha = 8, Dropout = 0.2, TargetModules = [LoraConfig.AllLinear], Init = LoraInit.Random, ModulesToSave = ["lm_head", "norm"],
        }, seed: 6);
        using (no_grad())
            foreach (var (name, p) in adapter.NamedParameters().Where(kv => !kv.Key.Contains("lora_")))
                p.add_(randn(p.shape, generator: new Generator(2)) * 0.1);
        return adapter;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // training mode: the bypassed projections must not apply LoRA dropout either
    public void Bypass_GivesBaseOutputs_ThenAdaptedOutputsAgain(bool training)
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var baseLogits = Logits(model);
        using var adapter = AttachTrained(model);
        var adapted = Logits(model);
        Assert.True(MaxDiff(adapted, baseLogits) > 1e-2, "the adapter and the saved modules should change the logits");
        if (training) model.train();

        using (adapter.Bypass())
        {
            Assert.True(adapter.IsBypassed);
            Assert.True(MaxDiff(Logits(model), baseLogits) <= 1e-6, $"bypassed logits differ from the base model's by {MaxDiff(Logits(model), baseLogits)}");
            using (adapter.Bypass()) Assert.True(MaxDiff(Logits(model), baseLogits) <= 1e-6); // nested: still off
            Assert.True(MaxDiff(Logits(model), baseLogits) <= 1e-6, "ending the inner bypass must not switch the adapter back on");
        }

        Assert.False(adapter.IsBypassed);
        model.eval();
        Assert.True(Logits(model).equal(adapted).all().item<bool>(), "after the bypass the adapted outputs come back bit for bit");
    }

    [Fact]
    public void Bypass_AfterDispose_GradientsFlowToAdapterAndSavedModules()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using var adapter = AttachTrained(model);
        model.train();
        using (adapter.Bypass())
        using (no_grad())
            model.Forward(Ids, labels: Ids); // a DPO reference pass

        model.Forward(Ids, labels: Ids).Loss!.backward();
        Assert.All(adapter.Parameters, p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
        Assert.All(model.named_parameters().Where(p => !p.name.StartsWith("lm_head") && p.name != "model.norm.weight"),
            p => Assert.True(p.parameter.grad is null, $"{p.name} should stay frozen"));
    }

    [Fact]
    public void Bypass_WhileBypassed_SaveAndMergeRefuse()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using var adapter = AttachTrained(model);
        using var bypass = adapter.Bypass();
        var e = Assert.Throws<InvalidOperationException>(adapter.Merge);
        Assert.Contains("Bypass()", e.Message);
        Assert.Throws<InvalidOperationException>(() => adapter.Save(Path.Combine(Path.GetTempPath(), "never-written")));
    }

    [Fact]
    public void Dispose_DuringBypass_RestoresTheBaseModel()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var baseLogits = Logits(model);
        var adapter = AttachTrained(model);
        var bypass = adapter.Bypass();
        adapter.Dispose();
        bypass.Dispose(); // after the adapter is gone: nothing left to switch back
        Assert.True(Logits(model).equal(baseLogits).all().item<bool>());
        Assert.Throws<InvalidOperationException>(() => adapter.Bypass());
    }
}
