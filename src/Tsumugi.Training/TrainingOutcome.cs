namespace Tsumugi.Training;

/// <summary>How a run ended.</summary>
public sealed record TrainingOutcome(
    long Step,
    bool Completed,
    string? StoppedBy,
    double? FinalLoss,
    IReadOnlyDictionary<string, double> HeldOutLoss,
    string? ModelDirectory,
    IReadOnlyList<string> Problems)
{
    /// <summary>The objective's held-out values at the last evaluation (preference runs: <c>rewards/accuracies</c>, …); null otherwise.</summary>
    public IReadOnlyDictionary<string, double>? HeldOutMetrics { get; init; }
}
