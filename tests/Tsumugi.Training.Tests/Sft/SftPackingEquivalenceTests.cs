using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Sft;

/// <summary>
/// Packing without cross-talk: examples packed into one row (restarting positions, block-diagonal attention, the
/// first token of each example unscored) give the same loss and the same gradients as the same examples one per
/// padded row, to fp32 round-off.
/// </summary>
public sealed class SftPackingEquivalenceTests
{
    [Fact]
    public void PackedRows_SameExamplesUnpacked_SameLossAndGradients()
    {
        using var model = Model();
        var examples = Examples();
        const int rowLength = 81;

        var packed = SftRows.FromPacking(SftBestFitPacker.Pack(examples.Select(e => e.Length).ToList(), rowLength, SftOverlong.Truncate, seed: 1), examples, rowLength, padId: 0);
        var unpacked = SftRows.FromBatches(new SftBatchPlan([[0, 1, 2, 3]], [rowLength], examples.Sum(e => e.Length), [], []), examples, rowLength, padId: 0);
        Assert.Single(packed); // all four fit one row: the comparison is really about packing

        var (packedLoss, packedGrads) = LossAndGradients(model, new TrainingBatch(packed));
        var (unpackedLoss, unpackedGrads) = LossAndGradients(model, new TrainingBatch(unpacked));

        Assert.Equal(unpackedLoss, packedLoss, 5);
        foreach (var (name, grad) in unpackedGrads)
            Assert.True(grad.allclose(packedGrads[name], rtol: 1e-4, atol: 1e-6), $"gradient of {name} differs: max |Δ| {(grad - packedGrads[name]).abs().max().item<float>():G3}");
    }

    [Fact]
    public void PackedRows_WithoutDocumentIds_DifferFromUnpacked()
    {
        // The control: the same packed row without its segment ids lets examples see each other, and the loss moves.
        using var model = Model();
        var examples = Examples();
        var packed = new TrainingBatch(SftRows.FromPacking(SftBestFitPacker.Pack(examples.Select(e => e.Length).ToList(), 81, SftOverlong.Truncate, 1), examples, 81, 0));

        var (withSegments, _) = LossAndGradients(model, packed);
        var (withoutSegments, _) = LossAndGradients(model, packed, documentIds: false);

        Assert.NotEqual(withSegments, withoutSegments, 3);
    }

    const int Vocab = 300;

    static LlamaForCausalLM Model()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = Vocab;
        var model = new LlamaForCausalLM(config);
        model.InitializeWeights(5);
        return model;
    }

    static List<SftTokenizedExample> Examples()
    {
        var random = new Random(11);
        return new[] { 9, 23, 14, 30 }.Select(length => Example(random, length, Vocab)).ToList();
    }

    static SftTokenizedExample Example(Random random, int length, int vocab)
    {
        var ids = Enumerable.Range(0, length).Select(_ => random.Next(3, vocab)).ToArray();
        // A prompt (untrained) then an answer (trained), as an SFT example is.
        var trained = Enumerable.Range(0, length).Select(i => i >= length / 2).ToArray();
        return new SftTokenizedExample(ids, trained);
    }

    static (double Loss, Dictionary<string, Tensor> Gradients) LossAndGradients(LlamaForCausalLM model, TrainingBatch batch, bool documentIds = true)
    {
        model.zero_grad();
        var ids = tensor(batch.Tokens.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength]);
        var labels = tensor(batch.Labels.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength]);
        var documents = documentIds ? tensor(batch.SegmentIds.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength]) : null;
        var loss = model.TrainingLoss(ids, labels, documents).Loss;
        loss.backward();
        return (loss.item<float>(), model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone()));
    }
}
