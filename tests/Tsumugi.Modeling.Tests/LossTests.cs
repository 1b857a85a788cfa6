using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>The HF loss convention: labels = input ids, shifted exactly once inside the model.</summary>
public class LossTests
{
    [Fact]
    public void LossIsNextTokenCrossEntropyComputedByHand()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        var ids = tensor(new long[] { 5, 17, 3, 42, 8, 11 }, [1, 6]);
        using var _ = no_grad();
        var output = model.Forward(ids, labels: ids);
        var logProbs = output.Logits[0].to_type(ScalarType.Float64).log_softmax(-1);
        double expected = 0;
        for (int t = 0; t < 5; t++) expected -= logProbs[t, ids[0, t + 1].item<long>()].item<double>();
        expected /= 5;
        Assert.Equal(expected, output.Loss!.item<float>(), 4);
    }

    [Fact]
    public void IgnoredLabelsAreNotScoredAndNumItemsScalesTheSum()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        var ids = tensor(new long[] { 5, 17, 3, 42, 8, 11 }, [1, 6]);
        var labels = tensor(new long[] { 5, 17, 3, -100, -100, 11 }, [1, 6]); // positions 2 and 3 predict ignored tokens
        using var _ = no_grad();
        var logProbs = model.Forward(ids).Logits[0].to_type(ScalarType.Float64).log_softmax(-1);
        double sum = -(logProbs[0, 17].item<double>() + logProbs[1, 3].item<double>() + logProbs[4, 11].item<double>());
        Assert.Equal(sum / 3, model.Forward(ids, labels: labels).Loss!.item<float>(), 4);
        Assert.Equal(sum / 10, model.Forward(ids, labels: labels, numItemsInBatch: 10).Loss!.item<float>(), 4);
    }

    /// <summary>
    /// Behavioural guard against the double-shift bug (Swallow's llm-recipes ba72f5d): after training on a fixed
    /// sequence with labels = ids, the model must predict token t+1 at position t. Were the labels shifted twice, it
    /// would learn t+2 and this fails.
    /// </summary>
    [Fact]
    public void TrainingWithLabelsEqualToIdsLearnsTheNextToken()
    {
        torch.manual_seed(1);
        var config = TestModels.Dense();
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(1);
        var sequence = new long[] { 3, 9, 27, 81, 50, 7, 21, 63, 10, 30, 90, 76 };
        using var ids = tensor(sequence, [1, sequence.Length]);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-2);
        for (int step = 0; step < 150; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            model.Forward(ids, labels: ids).Loss!.backward();
            optimizer.step();
        }
        using var _ = no_grad();
        using var predictions = model.Forward(ids).Logits.argmax(-1);
        var predicted = predictions[0].data<long>().ToArray();
        for (int t = 0; t < sequence.Length - 1; t++) Assert.Equal(sequence[t + 1], predicted[t]);
    }

    [Fact]
    public void ZLossAddsCoefficientTimesMeanSquaredLogPartition()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        var ids = tensor(new long[] { 5, 17, 3, 42 }, [1, 4]);
        using var _ = no_grad();
        var output = model.Forward(ids, labels: ids, zLossCoef: 1e-2);
        var logZ = output.Logits[0].to_type(ScalarType.Float64).logsumexp(-1);
        double meanSquare = logZ.narrow(0, 0, 3).pow(2).mean().item<double>(); // the last position is not scored
        Assert.Equal(meanSquare, output.ZLoss!.item<float>(), 2);
        Assert.Equal(output.CrossEntropy!.item<float>() + 1e-2 * output.ZLoss!.item<float>(), output.Loss!.item<float>(), 4);
    }

    [Fact]
    public void LoadBalancingLossIsTopKAtUniformRouting()
    {
        using var scope = NewDisposeScope();
        var config = TestModels.Mixtral(experts: 4, topK: 2);
        var model = TestModels.Build(config);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("block_sparse_moe.gate.weight")) p.zero_(); // all router probabilities 1/E
        var ids = tensor(new long[] { 5, 17, 3, 42, 8 }, [1, 5]);
        using var _ = no_grad();
        var output = model.Forward(ids, labels: ids);
        // E · Σ_k Σ_e f(k,e) · 1/E = Σ_k Σ_e f(k,e) = k.
        Assert.Equal(2.0, output.AuxLoss!.item<float>(), 4);
        Assert.Equal(output.CrossEntropy!.item<float>() + 0.02 * 2.0, output.Loss!.item<float>(), 4);
    }

    [Fact]
    public void LoadBalancingLossGrowsWhenRoutingCollapses()
    {
        using var scope = NewDisposeScope();
        // Every token sends (nearly) all probability to expert 0: f(0,0)=1, P(0)≈1 → aux ≈ E·1 = E for top-1.
        var logits = new List<Tensor> { tensor(new float[] { 20, 0, 0, 0, 20, 0, 0, 0 }, [2, 4]) };
        var aux = CausalLMLoss.LoadBalancing(logits, numExperts: 4, topK: 1).item<float>();
        Assert.InRange(aux, 3.99, 4.0);
    }

    /// <summary>The chunked training loss equals the full-logits loss, value and gradients, for every loss term.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ChunkedTrainingLossEqualsTheFullForwardLoss(bool moe)
    {
        using var scope = NewDisposeScope();
        var config = moe ? TestModels.Mixtral() : TestModels.Dense();
        var model = TestModels.Build(config);
        model.train();
        // 2 × 40 tokens × 97 vocab = 7,760 logits: with 4M logits per chunk this would be one chunk, so force several.
        var ids = tensor(TestModels.RandomIds(2, 40, config.VocabSize, seed: 9).Cast<long>().ToArray(), [2, 40]);
        var labels = ids.clone();
        labels[0, 5] = tensor(-100L);
        var full = model.Forward(ids, labels: labels, zLossCoef: 1e-3, numItemsInBatch: 100);
        full.Loss!.backward();
        var fullGrads = model.parameters().Select(p => p.grad!.clone()).ToArray();
        model.zero_grad();
        var chunked = model.TrainingLoss(ids, labels, zLossCoef: 1e-3, numItemsInBatch: 100, chunkLogits: 97 * 7);
        chunked.Loss.backward();
        Assert.Equal(full.Loss!.item<float>(), chunked.Loss.item<float>(), 4);
        Assert.Equal(full.ZLoss!.item<float>(), chunked.ZLoss!.item<float>(), 4);
        Assert.Equal(moe, chunked.AuxLoss is not null);
        var grads = model.parameters().Select(p => p.grad!).ToArray();
        for (int i = 0; i < grads.Length; i++)
            Assert.True((grads[i] - fullGrads[i]).abs().max().item<float>() < 1e-5, $"gradient {i} differs");
    }
}
