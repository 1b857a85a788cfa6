using System.Text.RegularExpressions;
using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// A task in llm-jp-eval's unified JSON format: instruction, output_length, metrics, few_shots, samples, and the v2
/// fields Tsumugi honours (answer_extract_pattern, custom_prompt_template, num_few_shots, label_list, language). A task
/// whose metrics are acc / acc_norm is multiple choice (Tsumugi's documented extension: samples carry <c>choices</c>);
/// any other metric makes it a generation task. Load with <see cref="EvalTaskFile.Load"/>.
/// </summary>
public sealed record EvalTask(string Name, string File, string Instruction, int OutputLength, IReadOnlyList<string> Metrics,
    IReadOnlyList<TaskExample> FewShots, IReadOnlyList<TaskExample> Samples)
{
    public bool IsMultipleChoice => Metrics.Any(GenerationMetrics.MultipleChoice.Contains);

    /// <summary>One line naming the file's fields that Tsumugi ignores and metrics it cannot compute, or null.</summary>
    public string? Warning { get; init; }

    /// <summary>"ja" or "en": the language of the default prompt's headings.</summary>
    public string Language { get; init; } = "ja";

    /// <summary>A Python str.format template with {instruction} and {input}, replacing the default prompt; or null.</summary>
    public string? CustomPromptTemplate { get; init; }

    /// <summary>The regex whose groups are the answer (<see cref="AnswerPattern"/>); llm-jp-eval's default when the file has none.</summary>
    public Regex AnswerExtractPattern { get; init; } = AnswerPattern.Default;

    /// <summary>The file's num_few_shots: the shots used when --shots is not given.</summary>
    public int? NumFewShots { get; init; }

    /// <summary>The file's label_list (the answers a classification task allows), or null.</summary>
    public IReadOnlyList<string>? LabelList { get; init; }

    /// <summary>Where <see cref="FewShots"/> came from: this file's few_shots, or the train split's samples (llm-jp-eval v1.3+).</summary>
    public string FewShotSource { get; init; } = "few_shots";

    /// <summary>The metrics that will be scored: those named, less the ones Tsumugi cannot compute (comet_wmt22, code_exec).</summary>
    public IEnumerable<string> ScoredMetrics => Metrics.Where(m => !GenerationMetrics.NotComputable.ContainsKey(m));
}
