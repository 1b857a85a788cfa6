using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using Tsumugi.Training.Loop;
using static TorchSharp.torch;

namespace Tsumugi.Training.Objectives;

/// <summary>
/// Next-token cross-entropy (pretraining; SFT with masked labels): the model shifts the labels itself, the loss is
/// summed over the step's scored tokens and divided by their count, with PaLM's z-loss when set. The cross-entropy is
/// also summed per data domain from the model's per-row sums, so a mixture's domains get their own curves.
/// </summary>
public sealed class CausalLmObjective(LlamaForCausalLM model, Device device, double zLoss, IReadOnlyList<string> domainOfDataset) : ITrainingObjective
{
    private readonly Dictionary<string, (double Loss, long Tokens)> _domainSums = new();
    private double _loss, _zLoss;
    private TrainingBatch? _rows;
    private TrainingLossOutput? _output;

    public Tensor Forward(StepBatch step, int micro)
    {
        var ids = step.Inputs[micro].to(device);
        var labels = step.Labels[micro].to(device);
        var documents = step.DocumentIds?[micro].to(device);
        _rows = step.Batches[micro];
        _output = model.TrainingLoss(ids, labels, documents, zLoss, step.ScoredTokens, rowSums: true);
        return _output.Loss;
    }

    public void Record()
    {
        var output = _output ?? throw new InvalidOperationException("Record() follows Forward()");
        _loss += output.CrossEntropy.item<float>();
        if (output.ZLoss is { } z) _zLoss += z.item<float>();
        AddDomainLoss(_rows!, output.RowCrossEntropy!);
        _output = null;
        _rows = null;
    }

    public StepLoss TakeStepLoss()
    {
        var domainLoss = _domainSums.ToDictionary(kv => kv.Key, kv => kv.Value.Loss / Math.Max(1, kv.Value.Tokens));
        var loss = new StepLoss(_loss, zLoss > 0 ? _zLoss : null, domainLoss);
        _loss = _zLoss = 0;
        _domainSums.Clear();
        return loss;
    }

    private void AddDomainLoss(TrainingBatch batch, Tensor rowLoss)
    {
        var perRow = rowLoss.to(CPU).data<float>().ToArray();
        for (var r = 0; r < batch.BatchSize; r++)
        {
            var domain = domainOfDataset[batch.DatasetIndices[r]];
            long scored = 0;
            for (var i = r * batch.RowLength + 1; i < (r + 1) * batch.RowLength; i++)
                if (batch.Labels[i] != SamplerOptions.IgnoreLabel) scored++;
            var (l, n) = _domainSums.GetValueOrDefault(domain);
            _domainSums[domain] = (l + perRow[r], n + scored);
        }
    }
}
