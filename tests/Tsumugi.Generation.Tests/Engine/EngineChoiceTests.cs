using Tsumugi.Generation.Engine;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Tests.Engine;

/// <summary>Which decoder a loaded model gets: Auto takes the native engine where it is the faster one (f32 only when decoding batches), and says why not.</summary>
public sealed class EngineChoiceTests
{
    [Fact]
    public void AutoDecodesOneF32StreamOnTorchAndBatchesOrHalfOrQuantizedWeightsNatively()
    {
        using var dir = new TempDirectory();
        TinyModelDirectory.Write(dir, TestTokenizers.Words, seed: 1);
        using (var f32 = PretrainedModel.Load(dir, new PretrainedModelOptions { Engine = DecodeEngineKind.Auto }))
        {
            Assert.Null(f32.Engine);
            Assert.Contains("f32", f32.EngineNote);
            Assert.StartsWith("torch (f32", f32.Decoder);
        }
        // Several sequences per step (serve, eval batches, online sampling): the engine wins at f32 too.
        using (var batched = PretrainedModel.Load(dir, new PretrainedModelOptions { Engine = DecodeEngineKind.Auto, BatchedDecoding = true }))
        {
            Assert.StartsWith("native engine (F32, ", batched.Decoder);
            Assert.Equal(WeightFormat.F32, batched.Engine!.Format);
        }
        using (var forcedTorch = PretrainedModel.Load(dir, new PretrainedModelOptions { Engine = DecodeEngineKind.Torch, BatchedDecoding = true }))
            Assert.Equal("torch", forcedTorch.Decoder);
        using (var q8 = PretrainedModel.Load(dir, new PretrainedModelOptions { Engine = DecodeEngineKind.Auto, EngineWeights = WeightFormat.Q8_0 }))
            Assert.Equal(WeightFormat.Q8_0, q8.Engine!.Format);
        using (var f16 = PretrainedModel.Load(dir, new PretrainedModelOptions { Engine = DecodeEngineKind.Auto, Dtype = ScalarType.Float16 }))
            Assert.Equal(WeightFormat.F16, f16.Engine!.Format);
        using (var forced = PretrainedModel.Load(dir, new PretrainedModelOptions { Engine = DecodeEngineKind.Native }))
            Assert.Equal(WeightFormat.F32, forced.Engine!.Format);
        using (var library = PretrainedModel.Load(dir))
            Assert.Null(library.Engine);
    }
}
