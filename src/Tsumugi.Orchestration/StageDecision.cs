namespace Tsumugi.Orchestration;

/// <summary>What `pipeline run` does with a stage.</summary>
public enum StageDecision
{
    /// <summary>Finished with the same fingerprint: nothing to do.</summary>
    Skip,
    /// <summary>Never ran here.</summary>
    Run,
    /// <summary>Interrupted (killed, failed) with the same fingerprint, and its kind continues from where it stopped.</summary>
    Resume,
    /// <summary>Interrupted, and its kind cannot continue: it starts again in an emptied folder.</summary>
    Restart,
    /// <summary>Its keys, files or an upstream stage changed since it ran: it runs again, and so does everything after it that reads it.</summary>
    Rerun,
}

public static class StageDecisions
{
    /// <param name="upstreamReruns">A stage it reads runs again in this pass (so what it read will change), or it is forced to.</param>
    public static StageDecision For(PreparedStage stage, StageRecord? record, bool upstreamReruns)
    {
        if (record is null || record.Fingerprint is null || record.State is StageRecord.Pending or StageRecord.Skipped) return StageDecision.Run;
        if (record.Fingerprint != stage.Fingerprint || upstreamReruns) return StageDecision.Rerun;
        if (record.State == StageRecord.Done && Directory.Exists(stage.Directory)) return StageDecision.Skip;
        return stage.Kind.Resumable && Directory.Exists(stage.Directory) ? StageDecision.Resume : StageDecision.Restart;
    }

    public static string Describe(this StageDecision decision) => decision switch
    {
        StageDecision.Skip => "finished and unchanged",
        StageDecision.Run => "never ran here",
        StageDecision.Resume => "interrupted; continues from its last checkpoint",
        StageDecision.Restart => "interrupted; starts again",
        StageDecision.Rerun => "its config, inputs or an upstream stage changed (or --rerun)",
        _ => decision.ToString(),
    };
}
