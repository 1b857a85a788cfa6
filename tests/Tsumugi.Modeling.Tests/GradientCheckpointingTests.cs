using System.Runtime.InteropServices;
using TorchSharp;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>
/// Activation checkpointing (<see cref="LlamaForCausalLM.GradientCheckpointing"/>) must be invisible to the maths:
/// the same loss and every gradient equal to float64 precision, with packed documents, LoRA (dropout replayed) and
/// the MoE refusal; and it must actually keep less for backward.
/// </summary>
[Collection(Memory.ResidentMemoryCollection.Name)] // reads the process heap: other tests would move it
public sealed class GradientCheckpointingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_Checkpointed_GivesTheSameLossAndGradients(bool packed)
    {
        var plain = Run(TestModels.Dense(), checkpointing: false, packed, lora: false);
        var checkpointed = Run(TestModels.Dense(), checkpointing: true, packed, lora: false);
        AssertSame(plain, checkpointed);
    }

    [Fact]
    public void Backward_CheckpointedLoraWithDropout_GivesTheSameGradientsToTheAdapters()
    {
        var plain = Run(TestModels.Dense(), checkpointing: false, packed: true, lora: true);
        var checkpointed = Run(TestModels.Dense(), checkpointing: true, packed: true, lora: true);
        Assert.Contains(plain.Grads.Keys, k => k.Contains("lora"));
        AssertSame(plain, checkpointed);
    }

    [Fact]
    public void GradientCheckpointing_OnMoE_IsRefusedWithTheReason()
    {
        using var model = TestModels.Build(TestModels.Mixtral());
        var e = Assert.Throws<NotSupportedException>(() => model.GradientCheckpointing = true);
        Assert.Contains("MoE", e.Message);
        Assert.Contains("gradient_checkpointing", e.Message);
    }

    [Fact]
    public void Forward_Checkpointed_KeepsFarLessForBackward()
    {
        // Bigger than the parity model so activations dominate the heap: 4 layers, hidden 128, seq 256.
        var c = TestModels.Dense();
        c.HiddenSize = 128; c.IntermediateSize = 384; c.NumHiddenLayers = 4; c.MaxPositionEmbeddings = 256;
        var plain = KeptForBackward(c, checkpointing: false);
        var checkpointed = KeptForBackward(c, checkpointing: true);
        Assert.True(checkpointed < 0.4 * plain, $"checkpointing kept {checkpointed:N0} B for backward vs {plain:N0} B without");
    }

    sealed record Result(double Loss, Dictionary<string, Tensor> Grads);

    static Result Run(LlamaConfig c, bool checkpointing, bool packed, bool lora)
    {
        var model = TestModels.Build(c);
        model.to(ScalarType.Float64);
        var parameters = model.named_parameters().Select(p => (p.name, Tensor: (Tensor)p.parameter)).ToList();
        if (lora)
        {
            var adapter = LoraAdapter.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.3, TargetModules = [LoraConfig.AllLinear] }, seed: 3);
            parameters = adapter.NamedParameters().Select(p => (name: p.Key, Tensor: p.Value)).ToList();
            using var generator = new Generator(17);
            using (no_grad())
                foreach (var (name, p) in parameters)
                    if (name.Contains("lora_B")) p.normal_(0, 0.5, generator); // B starts at zero: make A's gradient non-trivial
        }
        model.train();
        model.GradientCheckpointing = checkpointing;
        using var ids = tensor(TestModels.RandomIds(2, 24, c.VocabSize, seed: 5));
        using var docs = packed ? cat([zeros(2, 10, dtype: ScalarType.Int64), ones(2, 14, dtype: ScalarType.Int64)], 1) : null;
        manual_seed(11); // LoRA dropout draws from the default generator: both runs see the same masks
        var output = model.Forward(ids, labels: ids, documentIds: docs);
        output.Loss!.backward();
        var grads = parameters.Where(p => p.Tensor.grad is not null).ToDictionary(p => p.name, p => p.Tensor.grad!.detach().clone());
        return new Result(output.Loss.to(ScalarType.Float64).item<double>(), grads);
    }

    static void AssertSame(Result expected, Result actual)
    {
        Assert.Equal(expected.Loss, actual.Loss, 10); // float64: only summation-order noise is allowed
        Assert.Equal(expected.Grads.Keys.Order(), actual.Grads.Keys.Order());
        Assert.True(expected.Grads.Count > 10, $"only {expected.Grads.Count} parameters got gradients");
        foreach (var (name, grad) in expected.Grads)
        {
            Assert.True(grad.abs().max().to(ScalarType.Float64).item<double>() > 0, $"{name}: zero gradient, the comparison would be vacuous");
            var diff = (grad - actual.Grads[name]).abs().max().to(ScalarType.Float64).item<double>();
            Assert.True(diff < 1e-10, $"{name}: gradients differ by {diff:E2}");
        }
    }

    /// <summary>Heap bytes held between the forward and the backward (glibc's in-use count), i.e. what autograd keeps.</summary>
    internal static long KeptForBackward(LlamaConfig c, bool checkpointing, int seq = 256)
    {
        using var model = TestModels.Build(c);
        model.train();
        model.GradientCheckpointing = checkpointing;
        using var ids = tensor(TestModels.RandomIds(2, seq, c.VocabSize, seed: 5));
        using var scope = NewDisposeScope();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = HeapInUse();
        var loss = model.Forward(ids, labels: ids).Loss!;
        var kept = HeapInUse() - before;
        loss.backward();
        return kept;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    static extern MallInfo2 MallInfo();

    internal static long HeapInUse()
    {
        var m = MallInfo();
        return (long)(m.Uordblks + m.Hblkhd);
    }
}
