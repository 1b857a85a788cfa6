using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// A task in llm-jp-eval's unified JSON format (v1.x): instruction, output_length, metrics, few_shots, samples.
/// A task whose metrics are acc / acc_norm is multiple choice (Tsumugi's documented extension: samples carry
/// <c>choices</c>); any other metric makes it a generation task. Load with <see cref="EvalTaskFile.Load"/>.
/// </summary>
public sealed record EvalTask(string Name, string File, string Instruction, int OutputLength, IReadOnlyList<string> Metrics,
    IReadOnlyList<TaskExample> FewShots, IReadOnlyList<TaskExample> Samples)
{
    public bool IsMultipleChoice => Metrics.Any(GenerationMetrics.MultipleChoice.Contains);

    /// <summary>One line naming the file's fields that Tsumugi ignores (<see cref="UnusedTaskFields"/>), or null.</summary>
    public string? Warning { get; init; }
}
