namespace Tsumugi.Training.Config;

/// <summary><c>guard:</c> the loss-spike guard (llm.c z-score skip; PaLM rollback-and-skip).</summary>
public sealed record GuardSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>Steps in the running window the z-scores are computed over.</summary>
    public int Window { get; init; } = 100;

    /// <summary>Steps of history before the guard judges anything.</summary>
    public int MinHistory { get; init; } = 20;

    /// <summary>A step is a spike when its loss is this many standard deviations above the running mean…</summary>
    public double LossSigma { get; init; } = 6;

    /// <summary>…or its gradient norm is this many standard deviations above the running mean.</summary>
    public double GradSigma { get; init; } = 6;

    public GuardAction Action { get; init; } = GuardAction.Skip;

    /// <summary>For rollback: optimizer steps of data skipped past the spike (PaLM skipped ~200–500 batches).</summary>
    public long SkipSteps { get; init; } = 200;

    /// <summary>Give up (stop with an error) after this many rollbacks in one run.</summary>
    public int MaxRollbacks { get; init; } = 5;

    /// <summary>
    /// Consecutive spikes skipped before the guard escalates: to a rollback when a checkpoint exists, else the run
    /// stops with an error. A run whose every step is a spike is broken, not unlucky.
    /// </summary>
    public int MaxSkips { get; init; } = 10;

    /// <summary>
    /// After a curriculum stage switch the window is cleared and no step is judged for this many steps (a new domain
    /// raises the loss by design); null = <see cref="MinHistory"/>, 0 = a stage switch is not special.
    /// </summary>
    public int? StageGraceSteps { get; init; }
}
