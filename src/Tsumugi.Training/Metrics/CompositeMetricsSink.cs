using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Metrics;

/// <summary>Several sinks as one, called in order (the loss plot reads metrics.jsonl, so that sink comes first).</summary>
public sealed class CompositeMetricsSink(IReadOnlyList<IMetricsSink> sinks) : IMetricsSink
{
    public void Log(StepReport step)
    {
        foreach (var sink in sinks) sink.Log(step);
    }

    public void Finish(ICollection<string> problems)
    {
        foreach (var sink in sinks) sink.Finish(problems);
    }

    public void Dispose()
    {
        foreach (var sink in sinks) sink.Dispose();
    }
}
