using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using Tsumugi.Training.Loop;
using static TorchSharp.torch;

namespace Tsumugi.Training.Objectives;

/// <summary>
/// Next-token cross-entropy (pretraining; SFT with masked labels): the model shifts the labels itself, the loss is
/// summed over the step's scored tokens and divided by their count, with PaLM's z-loss when set. The cross-entropy is
/// also summed per data domain from the model's per-row sums, so a mixture's domains get their own curves. For MoE
/// models the router's aux loss and each layer's expert shares are summed too (a dense model skips that code).
/// </summary>
public sealed class CausalLmObjective(LlamaForCausalLM model, Device device, double zLoss, IReadOnlyList<string> domainOfDataset) : ITrainingObjective
{
    private readonly Dictionary<string, (double Loss, long Tokens)> _domainSums = new();
    private double _loss, _zLoss, _auxLoss;
    private int _micro;
    private long[][]? _expertChoices;
    private TrainingBatch? _rows;
    private TrainingLossOutput? _output;

    public Tensor Forward(StepBatch step, int micro)
    {
        var ids = step.Inputs[micro].to(device);
        var labels = step.Labels[micro].to(device);
        var documents = step.DocumentIds?[micro].to(device);
        _rows = step.Batches[micro];
        _output = model.TrainingLoss(ids, labels, documents, zLoss, Math.Max(step.GlobalScoredTokens, step.ScoredTokens), rowSums: true);
        return _output.Loss;
    }

    public void Record()
    {
        var output = _output ?? throw new InvalidOperationException("Record() follows Forward()");
        _loss += output.CrossEntropy.item<float>();
        if (output.ZLoss is { } z) _zLoss += z.item<float>();
        _micro++;
        if (output.AuxLoss is { } aux) RecordRouter(aux, output.RouterLogits!);
        AddDomainLoss(_rows!, output.RowCrossEntropy!);
        _output = null;
        _rows = null;
    }

    public StepLoss TakeStepLoss()
    {
        var domainLoss = _domainSums.ToDictionary(kv => kv.Key, kv => kv.Value.Loss / Math.Max(1, kv.Value.Tokens));
        var share = _expertChoices?.Select(layer => layer.Select(c => c / (double)Math.Max(1, layer.Sum())).ToArray()).ToArray();
        var loss = new StepLoss(_loss, zLoss > 0 ? _zLoss : null, domainLoss, _expertChoices is null ? null : _auxLoss / Math.Max(1, _micro), share)
        {
            DomainSums = new Dictionary<string, (double, long)>(_domainSums),
        };
        _loss = _zLoss = _auxLoss = 0;
        _micro = 0;
        _expertChoices = null;
        _domainSums.Clear();
        return loss;
    }

    private void RecordRouter(Tensor aux, IReadOnlyList<Tensor> routerLogits)
    {
        _auxLoss += aux.item<float>();
        var c = model.Config;
        _expertChoices ??= routerLogits.Select(_ => new long[c.NumLocalExperts]).ToArray();
        for (var layer = 0; layer < routerLogits.Count; layer++)
        {
            using var counts = RouterStatistics.ChoiceCounts(routerLogits[layer], c.NumExpertsPerTok, c.NumLocalExperts).cpu();
            var values = counts.data<long>().ToArray();
            for (var e = 0; e < values.Length; e++) _expertChoices[layer][e] += values[e];
        }
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
