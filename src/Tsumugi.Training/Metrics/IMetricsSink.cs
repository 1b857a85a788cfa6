using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// Where a run's step reports go. The loop builds one <see cref="StepReport"/> per optimizer step and hands it to a
/// <see cref="CompositeMetricsSink"/>; each sink decides what to keep (metrics.jsonl, TensorBoard, the loss plot).
/// </summary>
public interface IMetricsSink : IDisposable
{
    /// <summary>Records one step; called on rank 0 after every optimizer step, skipped ones included.</summary>
    void Log(StepReport step);

    /// <summary>
    /// The run completed: write what is drawn once (the loss plot). A failure that must not fail the run is added to
    /// <paramref name="problems"/>.
    /// </summary>
    void Finish(ICollection<string> problems);
}
