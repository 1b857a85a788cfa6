using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>The activation formula of <see cref="ActivationMemory"/> against what a training forward really keeps.</summary>
[Collection(Memory.ResidentMemoryCollection.Name)] // reads the process heap: other tests would move it
public sealed class ActivationMemoryTests
{
    [Theory]
    [InlineData(false, 256)]
    [InlineData(true, 256)]
    [InlineData(false, 512)]
    public void Bytes_MatchesTheHeapHeldBetweenForwardAndBackward(bool checkpointing, int seq)
    {
        var c = TestModels.Dense();
        c.HiddenSize = 128; c.IntermediateSize = 384; c.NumHiddenLayers = 4; c.MaxPositionEmbeddings = seq; c.VocabSize = 512;
        var measured = (double)GradientCheckpointingTests.KeptForBackward(c, checkpointing, seq);
        var predicted = ActivationMemory.KeptBytes(c, 2, seq, 4, checkpointing);
        Assert.InRange(predicted / measured, 0.7, 1.3); // the bar: within 30 %
    }
}
