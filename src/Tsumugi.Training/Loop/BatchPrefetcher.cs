using System.Collections.Concurrent;
using Tsumugi.Datasets.Sampling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Loop;

/// <summary>
/// Draws the next steps' rows and builds their tensors on a background thread while the current step computes, so
/// the data loader never stalls the step. The sampler belongs to this thread until <see cref="Dispose"/>.
/// </summary>
public sealed class BatchPrefetcher : IDisposable
{
    private readonly BlockingCollection<StepBatch> _queue = new(boundedCapacity: 2);
    private readonly CancellationTokenSource _cancel = new();
    private readonly Task _producer;

    public BatchPrefetcher(CurriculumSampler sampler, int microBatchSize, int accumulation, int rank, int worldSize,
        int vocabularySize, bool documentIds)
    {
        _producer = Task.Factory.StartNew(() =>
        {
            try
            {
                while (!_cancel.IsCancellationRequested)
                {
                    var step = Build(sampler, microBatchSize, accumulation, rank, worldSize, vocabularySize, documentIds);
                    try
                    {
                        _queue.Add(step, _cancel.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        step.Dispose();
                        break;
                    }
                }
            }
            finally
            {
                _queue.CompleteAdding();
            }
        }, TaskCreationOptions.LongRunning);
    }

    /// <summary>The next step's data; rethrows a data error (e.g. a token id outside the vocabulary) from the producer.</summary>
    public StepBatch Next()
    {
        if (_queue.TryTake(out var step, Timeout.Infinite)) return step;
        _producer.GetAwaiter().GetResult(); // the producer stopped: surface its exception
        throw new InvalidOperationException("the batch prefetcher has stopped");
    }

    private static StepBatch Build(CurriculumSampler sampler, int micro, int accumulation, int rank, int world, int vocab, bool withDocuments)
    {
        var batches = new TrainingBatch[accumulation];
        for (var i = 0; i < accumulation; i++) batches[i] = sampler.NextBatch(micro, rank, world);
        var inputs = new List<Tensor>();
        var labels = new List<Tensor>();
        var documents = withDocuments ? new List<Tensor>() : null;
        long scored = 0;
        foreach (var b in batches)
        {
            // Padding every row of the batch ends with is cut off: it is never scored, and causal attention means no
            // earlier position depends on it (length-grouped SFT batches shrink to their longest example).
            var width = Math.Max(2, b.Samples.Max(r => b.RowLength - r.PaddingLength));
            var flatIds = new long[b.BatchSize * width];
            var flatLabels = new long[flatIds.Length];
            var segments = documents is null ? null : new long[flatIds.Length];
            for (var r = 0; r < b.BatchSize; r++)
            {
                for (var c = 0; c < width; c++)
                {
                    var i = r * b.RowLength + c;
                    var id = b.Tokens[i];
                    if ((uint)id >= (uint)vocab)
                    {
                        var name = sampler.Sources[b.Samples[r].DatasetIndex].Name;
                        throw new InvalidDataException($"dataset '{name}' holds token id {id}, outside the model's vocabulary [0, {vocab}); it was tokenized with another tokenizer — retokenize it or train a model with that vocabulary");
                    }
                    flatIds[r * width + c] = id;
                    flatLabels[r * width + c] = b.Labels[i];
                    if (segments is not null) segments[r * width + c] = b.SegmentIds[i];
                    // The model scores position t on label t+1, so a row's first label is never scored.
                    if (c != 0 && b.Labels[i] != SamplerOptions.IgnoreLabel) scored++;
                }
            }
            inputs.Add(tensor(flatIds, [b.BatchSize, width]));
            labels.Add(tensor(flatLabels, [b.BatchSize, width]));
            if (segments is not null) documents!.Add(tensor(segments, [b.BatchSize, width]));
        }
        return new StepBatch
        {
            Batches = batches,
            Inputs = inputs,
            Labels = labels,
            DocumentIds = documents,
            ScoredTokens = scored,
            SamplerAfter = sampler.GetState(),
            StageIndex = batches[^1].Samples[^1].StageIndex,
        };
    }

    public void Dispose()
    {
        _cancel.Cancel();
        while (_queue.TryTake(out var step)) step.Dispose();
        try
        {
            _producer.Wait();
        }
        catch (AggregateException)
        {
            // A data error already surfaced through Next(); nothing left to report.
        }
        while (_queue.TryTake(out var step)) step.Dispose();
        _queue.Dispose();
        _cancel.Dispose();
    }
}
