using System.Text.Json.Nodes;
using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// RUN_DIR/loss.png, drawn once when the run completes from metrics.jsonl (so a resumed run's plot holds the whole
/// curve): training loss of the steps that were not skipped, and held-out loss per domain.
/// </summary>
public sealed class LossPlotSink(string metricsPath, string pngPath) : IMetricsSink
{
    public void Log(StepReport step) { }

    public void Finish(ICollection<string> problems)
    {
        try
        {
            var lines = JsonLinesLog.Read(metricsPath, problems); // a torn line costs one point, not the plot
            var train = lines.Where(l => l["skipped"] is null).Select(l => ((long)l["step"]!, JsonLinesLog.Number(l["loss"]))).ToList();
            var validation = new Dictionary<string, IReadOnlyList<(long, double)>>();
            foreach (var l in lines)
            {
                if (l["val_loss"] is not JsonObject v) continue;
                foreach (var (domain, value) in v)
                {
                    if (!validation.TryGetValue(domain, out var list)) validation[domain] = list = new List<(long, double)>();
                    ((List<(long, double)>)list).Add(((long)l["step"]!, JsonLinesLog.Number(value)));
                }
            }
            LossPlot.Save(pngPath, train, validation, "training loss");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TypeInitializationException or DllNotFoundException)
        {
            problems.Add($"loss.png could not be drawn: {e.Message}");
        }
    }

    public void Dispose() { }
}
