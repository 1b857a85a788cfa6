namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// The per-sample metrics of generation tasks by their llm-jp-eval names, each scoring one (prediction, gold) pair on
/// 0..1; a task's score is the mean over its samples (as llm-jp-eval averages per-sample BLEU and char_f1).
/// Multiple-choice metrics (<see cref="MultipleChoice"/>) are scored by log-likelihood instead.
/// </summary>
public static class GenerationMetrics
{
    static readonly Dictionary<string, Func<string, string, double>> Scorers = new(StringComparer.Ordinal)
    {
        ["exact_match"] = (p, g) => p == g ? 1 : 0,
        ["char_f1"] = CharF1.Score,
        ["set_f1"] = SetF1.Score,
        ["exact_match_number"] = NumberAnswer.Score,
        ["bleu_ja"] = (p, g) => Bleu.Score(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g)),
        ["bleu_en"] = (p, g) => Bleu.Score(MetricTokenizer.Thirteen(p), MetricTokenizer.Thirteen(g)),
        ["rouge2"] = (p, g) => Rouge.Rouge2(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g)),
        ["rougeL"] = (p, g) => Rouge.RougeL(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g)),
    };

    /// <summary>acc: argmax of summed log-likelihood; acc_norm: argmax of log-likelihood / character length of the choice.</summary>
    public static readonly IReadOnlyList<string> MultipleChoice = ["acc", "acc_norm"];

    public static IEnumerable<string> GenerationNames => Scorers.Keys;

    public static IEnumerable<string> AllNames => Scorers.Keys.Concat(MultipleChoice);

    public static bool IsKnown(string name) => Scorers.ContainsKey(name) || MultipleChoice.Contains(name);

    public static double Score(string metric, string prediction, string gold) =>
        Scorers.TryGetValue(metric, out var score) ? score(prediction, gold)
            : throw new ArgumentException($"unknown generation metric '{metric}'; known: {string.Join(", ", GenerationNames)}.");
}
