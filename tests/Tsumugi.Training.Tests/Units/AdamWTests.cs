using Tsumugi.Training.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = Tsumugi.Training.Optim.AdamW;

namespace Tsumugi.Training.Tests.Units;

public class AdamWTests
{
    static readonly OptimizerSettings Settings = new() { Lr = 0.01, Beta1 = 0.9, Beta2 = 0.95, Eps = 1e-8, WeightDecay = 0.1 };

    [Fact]
    public void OneStepMatchesTheAdamWFormulaComputedByHand()
    {
        using var p = new Parameter(tensor(new[] { 1.0f, -2.0f }, [1, 2]));
        using var opt = new AdamW([("w", p)], Settings);
        p.grad = tensor(new[] { 0.5f, -0.25f }, [1, 2]);
        opt.Step(Settings.Lr);
        // t = 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) = ±lr after decay p·(1 − lr·wd).
        double Expected(double w, double g) => w * (1 - 0.01 * 0.1) - 0.01 * g / (Math.Abs(g) + 1e-8);
        var values = p.data<float>().ToArray();
        Assert.Equal(Expected(1.0, 0.5), values[0], 6);
        Assert.Equal(Expected(-2.0, -0.25), values[1], 6);
        Assert.Equal(1, opt.StepCount);
        Assert.Equal(0f, p.grad!.abs().sum().item<float>()); // gradients are zeroed after the step
    }

    [Fact]
    public void MatchesLibtorchAdamWOverManyStepsAndSkipsDecayOnVectors()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var init = new[] { randn(8, 4), randn(4) };
        var ours = init.Select(t => new Parameter(t.clone())).ToArray();
        var theirsMatrix = new Parameter(init[0].clone());
        var theirsVector = new Parameter(init[1].clone());
        using var opt = new AdamW([("m", ours[0]), ("v", ours[1])], Settings);
        // libtorch reference: decay on the matrix, none on the vector.
        using var referenceMatrix = optim.AdamW([theirsMatrix], lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        using var referenceVector = optim.AdamW([theirsVector], lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0);
        for (var step = 0; step < 20; step++)
        {
            var grads = new[] { randn(8, 4), randn(4) };
            ours[0].grad = grads[0].clone();
            ours[1].grad = grads[1].clone();
            theirsMatrix.grad = grads[0].clone();
            theirsVector.grad = grads[1].clone();
            opt.Step(0.01);
            referenceMatrix.step();
            referenceVector.step();
        }
        Assert.True(ours[0].allclose(theirsMatrix, rtol: 1e-5, atol: 1e-6));
        Assert.True(ours[1].allclose(theirsVector, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Bf16ParametersKeepFp32MasterWeightsAndAccumulateGradientsInFp32()
    {
        using var p = new Parameter(tensor(new[] { 1.0f, 1.0f }).to_type(ScalarType.BFloat16));
        using var opt = new AdamW([("w", p)], Settings with { WeightDecay = 0 });
        // Two micro-batches whose bf16 gradients would lose the small part if summed in bf16.
        for (var i = 0; i < 2; i++)
        {
            p.grad = tensor(new[] { 256f + 1f, 1e-3f }).to_type(ScalarType.BFloat16);
            opt.AccumulateGradients();
        }
        Assert.Equal(0f, p.grad!.to_type(ScalarType.Float32).abs().sum().item<float>());
        opt.Step(1e-4);
        Assert.Equal(ScalarType.BFloat16, p.dtype);
        using var dir = new TempDirectory();
        var path = dir.File("opt.safetensors");
        opt.Save(path);
        using var file = Modeling.Checkpoints.SafetensorsFile.Open(path);
        var master = file.Read("w.master");
        Assert.Equal(ScalarType.Float32, master.dtype);
        // The master moved by exactly lr (first Adam step) while bf16 cannot even represent 1 − 1e-4.
        Assert.Equal(1.0 - 1e-4, master[0].item<float>(), 6);
        Assert.Equal(1.0f, p.to_type(ScalarType.Float32)[0].item<float>());
    }

    [Fact]
    public void SaveAndLoadRestoreTheStateExactlyAndRefuseAnotherModel()
    {
        using var dir = new TempDirectory();
        using var p = new Parameter(randn(3, 3));
        using var opt = new AdamW([("layer.weight", p)], Settings);
        p.grad = randn(3, 3);
        opt.Step(0.01);
        opt.Save(dir.File("a.safetensors"));
        using var q = new Parameter(p.detach().clone());
        using var restored = new AdamW([("layer.weight", q)], Settings);
        restored.Load(dir.File("a.safetensors"));
        Assert.Equal(1, restored.StepCount);
        var g = randn(3, 3);
        p.grad = g.clone();
        q.grad = g.clone();
        opt.Step(0.01);
        restored.Step(0.01);
        Assert.True(p.equal(q).all().item<bool>());
        using var other = new AdamW([("other.weight", new Parameter(randn(3, 3)))], Settings);
        var error = Assert.Throws<Modeling.Checkpoints.CheckpointException>(() => other.Load(dir.File("a.safetensors")));
        Assert.Contains("other.weight.exp_avg", error.Message);
    }
}
