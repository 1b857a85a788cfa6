namespace Tsumugi.Orchestration;

/// <summary>One stage's line in `pipeline plan`.</summary>
/// <param name="Seconds">Estimated run time (null: no measurement to go by yet).</param>
/// <param name="Bytes">Estimated bytes the stage will write (null: unknown).</param>
/// <param name="Basis">Where the estimate comes from, for the reader.</param>
public sealed record StageEstimate(PreparedStage Stage, StageDecision Decision, double? Seconds, long? Bytes, string Basis);

/// <summary>
/// `pipeline plan`: what each stage would do and how long and how much disk it would take, from measured rates —
/// the stage's own last run in this output, else the last run of the same kind on this machine — scaled by the work.
/// </summary>
public static class PipelinePlanner
{
    public static List<StageEstimate> Estimate(Pipeline pipeline, PipelineState state, ThroughputLog rates)
    {
        var result = new List<StageEstimate>();
        foreach (var (stage, decision) in pipeline.Decide(state))
        {
            if (decision == StageDecision.Skip) { result.Add(new StageEstimate(stage, decision, 0, 0, "finished")); continue; }
            var record = state.Find(stage.Name);
            var work = stage.Plan.Work();
            ThroughputLog.Rate? rate = null;
            string basis;
            if (record is { Work: > 0, Seconds: > 0, WorkUnit: { } unit } && (work is null || work.Unit == unit))
            {
                rate = new ThroughputLog.Rate(record.Work.Value, unit, record.Seconds.Value, record.Bytes ?? 0);
                basis = "this stage's last run";
            }
            else
            {
                // Inputs not written yet (work unknown): the kind's last run here, whatever its size, is the best guess.
                rate = work is null ? rates.FindAny(stage.Spec.Kind) : rates.Find(stage.Spec.Kind, work.Unit);
                basis = rate is null ? "no measurement yet" : $"last {stage.Spec.Kind} run on this machine";
            }
            if (rate is null) { result.Add(new StageEstimate(stage, decision, null, null, basis)); continue; }
            // Without the work (inputs not written yet), the measured run is the estimate as it stands.
            double amount = work?.Amount ?? rate.Work;
            result.Add(new StageEstimate(stage, decision, amount / rate.PerSecond, (long)(amount * rate.BytesPerWork),
                work is null ? basis + ", inputs not written yet: its size assumed" : $"{basis}, {Format(rate.PerSecond)} {rate.Unit}/s"));
        }
        return result;
    }

    static string Format(double value) => value >= 1e6 ? $"{value / 1e6:F1}M" : value >= 1e3 ? $"{value / 1e3:F1}k" : $"{value:F2}";
}
