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

    /// <summary>This rank's scored tokens.</summary>
    public required long ScoredTokens { get; init; }

    /// <summary>
    /// The loss denominator: scored tokens of the whole global batch, all ranks together (set by the trainer before the
    /// forward), so each rank's loss is its share of the global mean and summed gradients equal one process's.
    /// </summary>
    public long GlobalScoredTokens { get; set; }

    /// <summary>Data-parallel ranks sharing this step (objectives whose denominator is a row count scale by it).</summary>
    public int WorldSize { get; set; } = 1;
    public required SamplerState SamplerAfter { get; init; }
    public required int StageIndex { get; init; }

    public void Dispose()
    {
        foreach (var t in Inputs) t.Dispose();
        foreach (var t in Labels) t.Dispose();
        foreach (var t in DocumentIds ?? []) t.Dispose();
    }
}
