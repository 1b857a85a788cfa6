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
}
