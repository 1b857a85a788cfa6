using Tsumugi.Modeling.Adapters;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Adapters;

/// <summary>
/// The memory-lean LoRA forward (intermediates freed at once, dropout kept as a bool mask, the update added in place)
/// against PEFT's math written plainly: W x + s·B(A(dropout(x))) with nn.functional.dropout.
/// </summary>
public sealed class LoraLayerForwardTests
{
    static LoraConfig AllLinear(double dropout) => new()
    {
        Rank = 4, Alpha = 8, Dropout = dropout, TargetModules = [LoraConfig.AllLinear], Init = LoraInit.Random,
    };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void Forward_Training_MatchesPlainMathInOutputAndGradients(double dropout)
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense(bias: true));
        model.train();
        using var adapter = LoraAdapter.Attach(model, AllLinear(dropout), seed: 9);
        var layer = adapter.Layers.First(l => l.ModulePath.EndsWith("layers.1.mlp.up_proj"));
        var generator = new Generator(5);
        var input = randn([2, 6, layer.Target.InFeatures], generator: generator);
        var weights = randn([2, 6, layer.Target.OutFeatures], generator: generator); // a loss that weighs every output

        (Tensor Output, Tensor Dx, Tensor DA, Tensor DB) Run(Func<Tensor, Tensor> forward)
        {
            var x = input.detach().clone().requires_grad_(true);
            manual_seed(123); // dropout draws from the default generator: both paths see the same mask
            var y = forward(x);
            (y * weights).sum().backward();
            var result = (y.detach().clone(), x.grad!.clone(), layer.A.grad!.clone(), layer.B.grad!.clone());
            layer.A.grad!.zero_();
            layer.B.grad!.zero_();
            return result;
        }

        var lean = Run(x => layer.Target.forward(x));
        var plain = Run(x =>
        {
            var dropped = dropout > 0 ? nn.functional.dropout(x, dropout, training: true) : x;
            var baseOutput = nn.functional.linear(x, layer.Target.Weight, layer.Target.Bias);
            return baseOutput + layer.Scale * nn.functional.linear(nn.functional.linear(dropped, layer.A), layer.B);
        });

        Assert.True(lean.Output.abs().max().item<float>() > 0.1, "the test input should give a non-trivial output");
        foreach (var (name, a, b) in new[] { ("output", lean.Output, plain.Output), ("dx", lean.Dx, plain.Dx), ("dA", lean.DA, plain.DA), ("dB", lean.DB, plain.DB) })
        {
            double diff = (a - b).abs().max().item<float>(), size = b.abs().max().item<float>();
            Assert.True(diff <= 1e-6 * Math.Max(1, size), $"{name} differs by {diff} (largest value {size})");
        }
        if (dropout > 0) // the dropout path ran: without it the output would differ
        {
            var undropped = Run(x => nn.functional.linear(x, layer.Target.Weight, layer.Target.Bias) + layer.Scale * nn.functional.linear(nn.functional.linear(x, layer.A), layer.B));
            Assert.True((undropped.Output - lean.Output).abs().max().item<float>() > 1e-3);
        }
    }

    [Fact]
    public void Forward_AdaptedProjection_LeavesNoMoreTensorsInTheScopeThanAPlainOne()
    {
        using var outer = NewDisposeScope();
        using var model = TestModels.Build(TestModels.Dense());
        model.train();
        var layer = model.named_modules().Select(m => m.module).OfType<Layers.AdaptableLinear>().First();
        var x = randn(2, 5, layer.InFeatures).requires_grad_(true);

        int Left(Func<Tensor> forward)
        {
            using var step = NewDisposeScope();
            forward().sum().backward();
            return step.DisposablesCount;
        }

        int plainCount = Left(() => layer.forward(x));
        using var adapter = LoraAdapter.Attach(model, AllLinear(dropout: 0.1), seed: 1);
        int adaptedCount = Left(() => layer.forward(x));
        // The update, x·A, the dropped input and the mask are freed inside Adapt (autograd keeps what backward needs)
        // instead of staying resident until the training step's scope ends.
        Assert.Equal(plainCount, adaptedCount);
    }
}
