namespace Tsumugi.Training.Config;

/// <summary><c>schedule:</c> the run's learning-rate shape; curriculum stages may override it (<c>stages[].lr</c>).</summary>
public sealed record ScheduleSettings
{
    public ScheduleType Type { get; init; } = ScheduleType.Cosine;
    public long WarmupSteps { get; init; }

    /// <summary>For wsd: the final fraction of steps spent decaying (MiniCPM: ~0.1).</summary>
    public double DecayFraction { get; init; } = 0.1;
}
