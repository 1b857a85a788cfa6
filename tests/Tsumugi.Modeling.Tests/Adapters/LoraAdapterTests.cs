using Tsumugi.Modeling.Adapters;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Adapters;

public sealed class LoraAdapterTests
{
    static Tensor Ids => tensor(new long[] { 4, 8, 15, 16, 23, 42, 7, 1, 3, 90 }, [2, 5]);

    public static TheoryData<string> Shapes() => new() { "dense", "bias", "tied", "mixtral" };

    static LlamaConfig ConfigFor(string name) => name switch
    {
        "dense" => TestModels.Dense(),
        "bias" => TestModels.Dense(bias: true),
        "tied" => TestModels.Dense(tie: true),
        _ => TestModels.Mixtral(),
    };

    /// <summary>Random A and B (init false), so the update is far from zero and every wrapped projection matters.</summary>
    static LoraConfig AllLinear(int rank = 4, double alpha = 8, bool rs = false) => new()
    {
        Rank = rank, Alpha = alpha, UseRsLora = rs, TargetModules = [LoraConfig.AllLinear], Init = LoraInit.Random,
    };

    static Tensor Logits(LlamaForCausalLM model)
    {
        using var noGrad = no_grad();
        return model.Forward(Ids).Logits.detach().clone();
    }

    static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Merge_RandomAdapter_GivesSameLogitsAsAdapterOnTheFly(string shape)
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(ConfigFor(shape));
        var baseLogits = Logits(model);
        var adapter = LoraAdapter.Attach(model, AllLinear(), seed: 3);
        var onTheFly = Logits(model);
        Assert.True(MaxDiff(onTheFly, baseLogits) > 1e-2, "the adapter should change the logits");
        adapter.Merge();
        var merged = Logits(model);
        Assert.True(MaxDiff(merged, onTheFly) < 1e-3 * Math.Max(1, onTheFly.abs().max().item<float>()), $"merged differs by {MaxDiff(merged, onTheFly)}");
    }

    [Fact]
    public void Merge_OneProjection_AddsScaleTimesBTimesAToTheWeight()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var adapter = LoraAdapter.Attach(model, AllLinear(rank: 4, alpha: 6) with { TargetModules = ["o_proj"] }, seed: 5);
        var layer = adapter.Layers[0];
        Assert.Equal("model.layers.0.self_attn.o_proj", layer.ModulePath);
        var before = layer.Target.Weight.detach().clone();
        var expected = before + 6.0 / 4 * layer.B.detach().matmul(layer.A.detach());
        adapter.Merge();
        Assert.True(MaxDiff(layer.Target.Weight.detach(), expected) < 1e-5);
    }

    [Theory]
    [InlineData(false, 16, 2.0)]  // alpha / r
    [InlineData(true, 16, 8.0)]   // rsLoRA: alpha / √r
    [InlineData(true, 4, 16.0)]
    public void Attach_RankAndAlpha_ScaleFollowsLoraOrRsLora(bool rs, int rank, double expectedScale)
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using var adapter = LoraAdapter.Attach(model, AllLinear(rank, alpha: 32, rs));
        Assert.All(adapter.Layers, l => Assert.Equal(expectedScale, l.Scale, 12));
        // The forward uses that scale: the output moves by exactly s·B(A x) on one projection.
        var l = adapter.Layers.First(x => x.ModulePath.EndsWith("layers.1.mlp.down_proj"));
        using var noGrad = no_grad();
        var x = randn(3, l.Target.InFeatures);
        var plain = nn.functional.linear(x, l.Target.Weight);
        var expected = plain + expectedScale * x.matmul(l.A.t()).matmul(l.B.t());
        Assert.True(MaxDiff(l.Target.forward(x), expected) < 1e-4);
    }

    [Fact]
    public void Attach_DefaultInit_KeepsLogitsAndInitialisesLikePeft()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var baseLogits = Logits(model);
        using var adapter = LoraAdapter.Attach(model, new LoraConfig(), seed: 1);
        Assert.Equal(["q_proj", "v_proj"], adapter.TargetNames); // PEFT's default for llama
        Assert.Equal(4, adapter.Layers.Count);
        Assert.True(Logits(model).equal(baseLogits).all().item<bool>());
        foreach (var l in adapter.Layers)
        {
            Assert.Equal([8L, l.Target.InFeatures], l.A.shape);
            Assert.Equal([l.Target.OutFeatures, 8L], l.B.shape);
            Assert.Equal(0, l.B.abs().sum().item<float>());
            double bound = 1 / Math.Sqrt(l.Target.InFeatures); // kaiming-uniform(a = √5)
            Assert.True(l.A.abs().max().item<float>() <= bound && l.A.abs().max().item<float>() > bound / 2);
        }
    }

    [Fact]
    public void Backward_WithAdapter_FillsGradientsOnlyForAdapterParameters()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        model.train();
        var config = AllLinear() with { TargetModules = ["q_proj", "up_proj", "down_proj"], ModulesToSave = ["lm_head"] };
        using var adapter = LoraAdapter.Attach(model, config, seed: 2);
        var output = model.Forward(Ids, labels: Ids);
        output.Loss!.backward();
        var trainable = adapter.Parameters.Select(p => p.Handle).ToHashSet();
        Assert.Equal(2 * adapter.Layers.Count + 1, trainable.Count);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name == "lm_head.weight") Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0);
            else Assert.True(p.grad is null && !p.requires_grad, $"{name} is not frozen");
        }
        Assert.All(adapter.Parameters, p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void Detach_AfterTrainingSavedModule_RestoresBaseModel()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var baseLogits = Logits(model);
        var keys = model.state_dict().Keys.ToList();
        var adapter = LoraAdapter.Attach(model, AllLinear() with { ModulesToSave = ["embed_tokens"] });
        Assert.Equal(keys, model.state_dict().Keys.ToList()); // adapter tensors never enter the base state_dict
        using (no_grad()) adapter.NamedParameters().Single(kv => kv.Key.EndsWith("embed_tokens.weight")).Value.add_(1.0);
        Assert.True(MaxDiff(Logits(model), baseLogits) > 1e-2);
        adapter.Detach();
        Assert.True(Logits(model).equal(baseLogits).all().item<bool>());
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
        Assert.Throws<InvalidOperationException>(adapter.Merge);
    }

    [Fact]
    public void Attach_AllLinearOnMixtral_WrapsExpertsAndRouterButNotHead()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Mixtral(experts: 3));
        using var adapter = LoraAdapter.Attach(model, AllLinear());
        Assert.Equal(["gate", "k_proj", "o_proj", "q_proj", "v_proj", "w1", "w2", "w3"], adapter.TargetNames);
        Assert.Equal(2 * (4 + 1 + 3 * 3), adapter.Layers.Count);
        Assert.Contains(adapter.NamedParameters(), kv => kv.Key == "base_model.model.model.layers.1.block_sparse_moe.experts.2.w3.lora_B.weight");
    }

    [Fact]
    public void Attach_LayersRankAndAlphaPatterns_ApplyPerModule()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var config = AllLinear(rank: 4, alpha: 8) with
        {
            TargetModules = ["q_proj", "down_proj"], LayersToTransform = [1],
            RankPattern = new Dictionary<string, int> { ["down_proj"] = 2 }, AlphaPattern = new Dictionary<string, double> { ["q_proj"] = 2 },
        };
        using var adapter = LoraAdapter.Attach(model, config);
        var byPath = adapter.Layers.ToDictionary(l => l.ModulePath);
        Assert.Equal(["model.layers.1.self_attn.q_proj", "model.layers.1.mlp.down_proj"], byPath.Keys);
        Assert.Equal((4, 0.5), (byPath["model.layers.1.self_attn.q_proj"].Rank, byPath["model.layers.1.self_attn.q_proj"].Scale));
        Assert.Equal((2, 4.0), (byPath["model.layers.1.mlp.down_proj"].Rank, byPath["model.layers.1.mlp.down_proj"].Scale));
    }

    [Theory]
    [InlineData("q_prj", "q_prj")]
    [InlineData("w1", "w1")]          // Mixtral names on a dense model
    [InlineData("lm_head", "modules_to_save")]
    public void Attach_UnknownTarget_ThrowsNamingIt(string target, string expected)
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        var e = Assert.Throws<ArgumentException>(() => LoraAdapter.Attach(model, new LoraConfig { TargetModules = ["q_proj", target] }));
        Assert.Contains(expected, e.Message);
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Attach_SecondAdapter_Throws()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using var first = LoraAdapter.Attach(model, new LoraConfig());
        var e = Assert.Throws<InvalidOperationException>(() => LoraAdapter.Attach(model, new LoraConfig { TargetModules = ["o_proj", "q_proj"] }));
        Assert.Contains("already carries an adapter", e.Message);
    }

    [Fact]
    public void Forward_Dropout_AppliesOnlyWhileTraining()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        using var adapter = LoraAdapter.Attach(model, AllLinear() with { Dropout = 0.5 }, seed: 4);
        var eval1 = Logits(model);
        Assert.True(Logits(model).equal(eval1).all().item<bool>());
        model.train();
        Assert.True(MaxDiff(Logits(model), eval1) > 1e-3);
    }
}
