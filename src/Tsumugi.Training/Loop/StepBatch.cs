using Tsumugi.Datasets.Sampling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Loop;

/// <summary>
/// One optimizer step's data: its micro-batches as CPU tensors, the scored-token count of the whole step (the loss
/// denominator that makes accumulation exact), and the sampler state after it (what a checkpoint taken after this step
/// records — the prefetcher may already be further ahead).
/// </summary>
public sealed class StepBatch : IDisposable
{
    public required IReadOnlyList<TrainingBatch> Batches { get; init; }

    /// <summary>[rows, seq_length + 1] int64 ids per micro-batch (labels are the same ids; the model shifts).</summary>
    public required IReadOnlyList<Tensor> Inputs { get; init; }

    /// <summary>[rows, seq_length + 1] int64 labels per micro-batch: the ids, −100 on padding.</summary>
    public required IReadOnlyList<Tensor> Labels { get; init; }

    /// <summary>[rows, seq_length + 1] document segment ids per micro-batch, when attention reset is on.</summary>
    public IReadOnlyList<Tensor>? DocumentIds { get; init; }

    public required long ScoredTokens { get; init; }
    public required SamplerState SamplerAfter { get; init; }
    public required int StageIndex { get; init; }

    public void Dispose()
    {
        foreach (var t in Inputs) t.Dispose();
        foreach (var t in Labels) t.Dispose();
        foreach (var t in DocumentIds ?? []) t.Dispose();
    }
}
