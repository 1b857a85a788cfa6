namespace Tsumugi.Training.Config;

/// <summary><c>schedule:</c> the run's learning-rate shape; curriculum stages may override it (<c>stages[].lr</c>).</summary>
public sealed record ScheduleSettings
{
    /// <summary>cosine (warm-up then cosine to min_lr), wsd (warm-up, stable, linear decay at the end), linear, constant.</summary>
    public string Type { get; init; } = "cosine";
    public long WarmupSteps { get; init; }

    /// <summary>For wsd: the final fraction of steps spent decaying (MiniCPM: ~0.1).</summary>
    public double DecayFraction { get; init; } = 0.1;
}
