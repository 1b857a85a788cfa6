namespace Tsumugi.Training;

/// <summary>How a run ended.</summary>
public sealed record TrainingOutcome(
    long Step,
    bool Completed,
    string? StoppedBy,
    double? FinalLoss,
    IReadOnlyDictionary<string, double> HeldOutLoss,
    string? ModelDirectory,
    IReadOnlyList<string> Problems);
