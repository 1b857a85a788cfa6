namespace Tsumugi.Training.Loop;

/// <summary>What one optimizer step did, for progress display (the full record goes to metrics.jsonl).</summary>
public sealed record StepReport(
    long Step,
    long TotalSteps,
    double Loss,
    double LearningRate,
    double GradNorm,
    double TokensPerSecond,
    double Mfu,
    string Stage,
    bool Skipped,
    double EtaSeconds);
