using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Training.Config;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Objectives;
using Tsumugi.Training.Preference;
using static TorchSharp.torch;

namespace Tsumugi.Training.Dpo;

/// <summary>
/// Preference optimisation as a training objective (DPO family, ORPO, SimPO/CPO, KTO). A micro-batch is pairs of rows
/// (<see cref="DpoRunData"/>): one forward over [chosen; rejected] gives every row's summed completion log-prob, the
/// reference's come from the precomputed cache or from the same model with its adapter off, and
/// <see cref="PreferenceLoss"/> turns them into per-pair losses. The micro-batch's loss is their sum over the step's
/// pair count, so accumulated gradients equal one big batch's mean, as TRL's. The step reports TRL's metric names.
/// </summary>
internal sealed class DpoObjective(LlamaForCausalLM model, Device device, DpoRunData data, DpoSettings settings,
    ReferenceLogProbs? cached, LoraAdapter? adapter) : ITrainingObjective
{
    private readonly Dictionary<string, (double Sum, long Count)> _metricSums = new();
    private double _lossSum;
    private long _pairs;
    private int _worldSize = 1;
    private PreferenceLossOutput? _output;

    public Tensor Forward(StepBatch step, int micro)
    {
        var batch = step.Batches[micro];
        var ids = step.Inputs[micro].to(device);
        var labels = step.Labels[micro].to(device);
        // The reference first: switching the adapter off swaps modules_to_save back to their originals, which must not
        // happen between the policy's forward and its backward.
        (Tensor Chosen, Tensor Rejected)? reference = settings.Loss.RequiresReference ? Reference(ids, labels, batch) : null;
        var scores = Score(model, ids, labels, batch, NeedsWholeSequence);
        _output = Compute(scores, reference, batch);
        _worldSize = step.WorldSize;
        var stepPairs = step.Batches.Sum(b => b.BatchSize / 2) * step.WorldSize; // every rank holds as many pairs
        return _output.Sum() / stepPairs;
    }

    public void Record()
    {
        var output = _output ?? throw new InvalidOperationException("Record() follows Forward()");
        _lossSum += output.Sum().detach().to(ScalarType.Float64).item<double>();
        _pairs += output.Losses.shape[0];
        // A metric may cover only some pairs (KTO: rewards/chosen over the desirable examples), so each keeps its own count.
        foreach (var (name, value) in output.Metrics)
        {
            var (sum, count) = _metricSums.GetValueOrDefault(name);
            _metricSums[name] = (sum + value.detach().to(ScalarType.Float64).sum().item<double>(), count + value.numel());
        }
        _output = null;
    }

    public StepLoss TakeStepLoss()
    {
        var n = Math.Max(1, _pairs);
        var metrics = _metricSums.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Value.Sum / kv.Value.Count);
        // The loss is this rank's share of the global mean (ranks' shares are summed); metrics stay this rank's means.
        var loss = new StepLoss(_lossSum / n / _worldSize, null, new Dictionary<string, double>()) { Metrics = metrics };
        _metricSums.Clear();
        _lossSum = 0;
        _pairs = 0;
        return loss;
    }

    /// <summary>
    /// The step metrics (and <c>loss</c>) on the held-out pairs, in eval mode without gradients: TRL's eval_rewards/accuracies
    /// is the held-out preference accuracy. Runs between steps, when the step sums are empty.
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(int batchPairs)
    {
        if (data.Validation.Count == 0) return new Dictionary<string, double>();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var rows in data.Validation.Chunk(2 * batchPairs))
            {
                using var scope = NewDisposeScope();
                var batch = new Datasets.Sampling.TrainingBatch(rows);
                var (ids, labels) = ReferenceLogProbs.Tensors(batch, device);
                (Tensor Chosen, Tensor Rejected)? reference = settings.Loss.RequiresReference ? Reference(ids, labels, batch) : null;
                _output = Compute(Score(model, ids, labels, batch, NeedsWholeSequence), reference, batch);
                Record();
            }
            var result = TakeStepLoss();
            return new Dictionary<string, double>(result.Metrics!) { ["loss"] = result.Loss };
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    private bool NeedsWholeSequence => settings.Loss.NllWeight > 0;

    /// <summary>Per-row summed completion log-probs, completion token counts and (ORPO/CPO) the chosen rows' whole-sequence NLL.</summary>
    internal static RowScores Score(LlamaForCausalLM model, Tensor ids, Tensor labels, Datasets.Sampling.TrainingBatch batch, bool wholeSequence)
    {
        var completion = CausalLMLoss.ShiftLabels(labels).ne(CausalLMLoss.IgnoreIndex);
        var counts = completion.sum(1).to(ScalarType.Float32);
        if (!wholeSequence) return new RowScores(SequenceLogProbs.Summed(model, ids, labels), counts, null);
        // One forward serves both sums: token log-probs over the whole sequence, masked to the completion for the pair terms.
        var whole = tensor(SequenceLogProbs.WholeSequenceLabels(batch, (int)ids.shape[1]), [ids.shape[0], ids.shape[1]], device: ids.device);
        var tokens = model.TokenLogProbs(ids, whole);
        var summed = tokens.mul(completion).sum(1);
        var wholeCounts = CausalLMLoss.ShiftLabels(whole).ne(CausalLMLoss.IgnoreIndex).sum(1).clamp_min(1);
        var nll = -tokens.sum(1) / wholeCounts;
        return new RowScores(summed, counts, nll);
    }

    private (Tensor Chosen, Tensor Rejected) Reference(Tensor ids, Tensor labels, Datasets.Sampling.TrainingBatch batch)
    {
        Tensor rows;
        if (settings.Reference == ReferenceSource.AdapterOff && adapter is not null)
        {
            using var noGrad = no_grad();
            using var off = adapter.Bypass();
            rows = SequenceLogProbs.Summed(model, ids, labels).detach();
        }
        else
        {
            var table = cached ?? throw new InvalidOperationException("precomputed reference log-probs are missing");
            var values = batch.Samples.Select(r => (float)table[data.RowIndex[r]]).ToArray();
            rows = tensor(values, device: device);
        }
        return (rows[TensorIndex.Slice(0, null, 2)], rows[TensorIndex.Slice(1, null, 2)]);
    }

    private PreferenceLossOutput Compute(RowScores scores, (Tensor Chosen, Tensor Rejected)? reference, Datasets.Sampling.TrainingBatch batch)
    {
        Tensor Even(Tensor t) => t[TensorIndex.Slice(0, null, 2)];
        Tensor Odd(Tensor t) => t[TensorIndex.Slice(1, null, 2)];
        if (settings.Loss.IsUnpaired)
        {
            var desirable = batch.Samples.Where((_, i) => i % 2 == 0).Select(r => data.Desirable![data.RowIndex[r] / 2]).ToArray();
            var kto = KtoLoss.Compute(settings.Loss, Even(scores.LogProbs), reference!.Value.Chosen, tensor(desirable, device: device),
                Odd(scores.LogProbs).detach(), reference.Value.Rejected);
            return new PreferenceLossOutput(kto.Losses, null, kto.Metrics);
        }
        return PreferenceLoss.Compute(settings.Loss, new PairLogProbs(Even(scores.LogProbs), Odd(scores.LogProbs), Even(scores.Counts), Odd(scores.Counts),
            reference?.Chosen, reference?.Rejected, scores.WholeSequenceNll is { } nll ? Even(nll) : null));
    }
}

/// <param name="LogProbs">[rows] summed completion log-probs.</param>
/// <param name="Counts">[rows] completion tokens.</param>
/// <param name="WholeSequenceNll">[rows] mean NLL over prompt and completion (ORPO/CPO), or null.</param>
internal sealed record RowScores(Tensor LogProbs, Tensor Counts, Tensor? WholeSequenceNll);
