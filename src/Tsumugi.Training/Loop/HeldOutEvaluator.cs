using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Loop;

/// <summary>
/// Held-out loss and perplexity per domain on the rows <c>data.validation_fraction</c> set aside (never trained on; for
/// SFT, the held-out examples' rows, scored on their trained tokens only):
/// the same rows at every evaluation, so the numbers form a curve.
/// </summary>
public sealed class HeldOutEvaluator
{
    private readonly List<(string Domain, TrainingBatch Batch)> _batches = new();
    private readonly bool _documentIds;

    /// <param name="documentIds">Rows hold several examples that must not see each other (packed SFT rows, attention reset).</param>
    public HeldOutEvaluator(DataPlan data, int maxRows, int batchSize, bool documentIds = false)
    {
        _documentIds = documentIds;
        for (var i = 0; i < data.Datasets.Count; i++)
        {
            var rows = data.ValidationSamples(i, maxRows);
            foreach (var chunk in rows.Chunk(batchSize)) _batches.Add((data.Datasets[i].Domain, new TrainingBatch(chunk)));
        }
    }

    public bool IsEmpty => _batches.Count == 0;

    /// <summary>Mean cross-entropy per domain (nats/token) over the held-out rows.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(LlamaForCausalLM model, Device device)
    {
        var sums = new Dictionary<string, (double Loss, long Tokens)>();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var (domain, batch) in _batches)
            {
                using var scope = NewDisposeScope();
                var ids = tensor(batch.Tokens.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength], device: device);
                var labels = tensor(batch.Labels.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength], device: device);
                var scored = CausalLMLoss.ShiftLabels(labels).ne(CausalLMLoss.IgnoreIndex).sum().item<long>();
                var documents = _documentIds ? tensor(batch.SegmentIds.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength], device: device) : null;
                var loss = model.TrainingLoss(ids, labels, documents, numItemsInBatch: 1).CrossEntropy.item<float>();
                var (l, n) = sums.GetValueOrDefault(domain);
                sums[domain] = (l + loss, n + scored);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value.Loss / Math.Max(1, kv.Value.Tokens));
    }
}
