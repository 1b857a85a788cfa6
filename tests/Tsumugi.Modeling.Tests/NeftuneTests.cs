using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>NEFTune: uniform noise of magnitude α/√(T·d) on the embeddings while training, never at evaluation.</summary>
public sealed class NeftuneTests
{
    [Fact]
    public void Forward_NeftuneInTrainingMode_PerturbsWithinTheBoundAndLeavesEvaluationAlone()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = 100;
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(1);
        using var ids = randint(0, 100, [2, 16], dtype: ScalarType.Int64);
        using var noGrad = no_grad();
        model.eval();
        using var clean = model.Forward(ids).Logits;

        model.NeftuneAlpha = 5;
        using var evaluated = model.Forward(ids).Logits;
        model.train();
        using var noisy = model.Forward(ids).Logits;
        model.NeftuneAlpha = 0;
        using var trainedWithout = model.Forward(ids).Logits;

        Assert.True(evaluated.allclose(clean, rtol: 0, atol: 0), "NEFTune changed an evaluation forward");
        Assert.True(trainedWithout.allclose(clean, rtol: 0, atol: 0), "alpha 0 must be a no-op");
        Assert.False(noisy.allclose(clean, rtol: 0, atol: 1e-4), "NEFTune added no noise while training");
    }
}
