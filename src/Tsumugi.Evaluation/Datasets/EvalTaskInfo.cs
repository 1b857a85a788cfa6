namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// The per-dataset header of an llm-jp-eval evaluation file (the <c>OutputInfo</c> fields each preprocessor sets in its
/// constructor): instruction, the most tokens to generate, and the metric names.
/// </summary>
public sealed record EvalTaskInfo(string Instruction, int OutputLength, IReadOnlyList<string> Metrics);
