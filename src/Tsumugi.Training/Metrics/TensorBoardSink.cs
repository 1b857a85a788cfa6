using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// RUN_DIR/tensorboard/: every step's scalars (train/…, perf/…, val/… on evaluation steps; docs/training.md), flushed
/// after each step so a killed run's chart is complete up to its last step.
/// </summary>
public sealed class TensorBoardSink(string logDirectory) : IMetricsSink
{
    private readonly TensorBoardWriter _writer = new(logDirectory);

    public void Log(StepReport r)
    {
        _writer.AddScalar("train/loss", r.Loss, r.Step);
        _writer.AddScalar("train/lr", r.LearningRate, r.Step);
        _writer.AddScalar("train/grad_norm", r.GradNorm, r.Step);
        if (r.ZLoss is { } z) _writer.AddScalar("train/z_loss", z, r.Step);
        foreach (var (domain, value) in r.DomainLoss) _writer.AddScalar($"train/loss/{domain}", value, r.Step);
        _writer.AddScalar($"train/loss_by_stage/{r.Stage}", r.Loss, r.Step);
        if (r.RouterAuxLoss is { } aux) _writer.AddScalar("moe/router_aux_loss", aux, r.Step);
        for (var layer = 0; layer < (r.ExpertShare?.Count ?? 0); layer++)
            for (var e = 0; e < r.ExpertShare![layer].Length; e++) _writer.AddScalar($"moe/expert_share/layer{layer}/expert{e}", r.ExpertShare[layer][e], r.Step);
        foreach (var (name, value) in r.Metrics ?? new Dictionary<string, double>()) _writer.AddScalar($"train/{name}", value, r.Step);
        foreach (var (name, value) in r.HeldOutMetrics ?? new Dictionary<string, double>()) _writer.AddScalar($"eval/{name}", value, r.Step);
        foreach (var (name, value) in r.TaskScores ?? new Dictionary<string, double>()) _writer.AddScalar($"tasks/{name}", value, r.Step);
        _writer.AddScalar("perf/tokens_per_s", r.TokensPerSecond, r.Step);
        _writer.AddScalar("perf/mfu", r.Mfu, r.Step);
        if (r.HardwareMfu is { } hw) _writer.AddScalar("perf/mfu_hw", hw, r.Step);
        _writer.AddScalar("perf/memory_mb", r.MemoryMb, r.Step);
        if (r.HeldOutLoss is { } heldOut)
        {
            foreach (var (domain, value) in heldOut)
            {
                _writer.AddScalar($"val/loss/{domain}", value, r.Step);
                _writer.AddScalar($"val/ppl/{domain}", Math.Exp(value), r.Step);
            }
        }
        _writer.Flush();
    }

    public void Finish(ICollection<string> problems) => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}
