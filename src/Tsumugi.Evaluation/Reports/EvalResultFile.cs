namespace Tsumugi.Evaluation.Reports;

/// <summary>One `tsumugi eval … --output` file: where it is and its envelope.</summary>
public sealed record EvalResultFile(string Path, EvalSummary Summary);
