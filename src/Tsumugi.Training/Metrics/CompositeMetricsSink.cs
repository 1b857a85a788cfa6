using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Metrics;

/// <summary>Several sinks as one, called in order (the loss plot reads metrics.jsonl, so that sink comes first).</summary>
public sealed class CompositeMetricsSink(IEnumerable<IMetricsSink> sinks) : IMetricsSink
{
    // An array: foreach over it allocates no enumerator, and Log runs every step.
    private readonly IMetricsSink[] _sinks = sinks.ToArray();

    public void Log(StepReport step)
    {
        foreach (var sink in _sinks) sink.Log(step);
    }

    public void Finish(ICollection<string> problems)
    {
        foreach (var sink in _sinks) sink.Finish(problems);
    }

    public void Dispose()
    {
        foreach (var sink in _sinks) sink.Dispose();
    }
}
