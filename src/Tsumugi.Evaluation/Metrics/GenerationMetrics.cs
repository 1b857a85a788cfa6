namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// The metrics of generation tasks by their llm-jp-eval names, on 0..1. Most score one (prediction, gold) pair and a
/// task's score is their mean (as llm-jp-eval averages exact_match, char_f1, set_f1 and BLEU per sample); pearson and
/// spearman are corpus-level and score the whole task at once (<see cref="ScoreTask"/>). Multiple-choice metrics
/// (<see cref="MultipleChoice"/>) are scored by log-likelihood instead. A few llm-jp-eval metrics are recognised but
/// cannot be computed here (<see cref="NotComputable"/>): a task file naming them is read, and they are reported as missing.
/// </summary>
public static class GenerationMetrics
{
    static readonly Dictionary<string, Func<string, string, double>> PerSample = new(StringComparer.Ordinal)
    {
        ["exact_match"] = (p, g) => p == g ? 1 : 0,
        ["exact_match_figure"] = FigureMatch.Score,
        ["char_f1"] = CharF1.Score,
        ["set_f1"] = SetF1.Score,
        ["exact_match_number"] = NumberAnswer.Score,
        ["bleu_ja"] = (p, g) => Bleu.Score(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g)),
        ["bleu_en"] = (p, g) => Bleu.Score(MetricTokenizer.Thirteen(p), MetricTokenizer.Thirteen(g)),
        ["rouge1"] = (p, g) => Rouge.RougeN(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g), 1),
        ["rouge2"] = (p, g) => Rouge.RougeN(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g), 2),
        ["rougeL"] = (p, g) => Rouge.RougeL(MetricTokenizer.Japanese(p), MetricTokenizer.Japanese(g)),
    };

    static readonly Dictionary<string, Func<IReadOnlyList<string>, IReadOnlyList<string>, double>> PerTask = new(StringComparer.Ordinal)
    {
        ["pearson"] = Correlation.Pearson,
        ["spearman"] = Correlation.Spearman,
    };

    /// <summary>llm-jp-eval metrics Tsumugi recognises but does not compute, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotComputable = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["comet_wmt22"] = "not available: COMET needs the Unbabel/wmt22-comet-da model and its PyTorch runtime, which Tsumugi does not ship; bleu_ja/bleu_en are scored instead",
        ["code_exec"] = "not available: Tsumugi does not execute generated code",
        ["code_exec_sandbox"] = "not available: Tsumugi does not execute generated code",
        ["pylint_check"] = "not available: Tsumugi does not run pylint on generated code",
    };

    /// <summary>Metrics whose tokens come from MeCab (<see cref="MeCabTagger"/>).</summary>
    static readonly HashSet<string> NeedMeCab = ["bleu_ja", "rouge1", "rouge2", "rougeL"];

    /// <summary>acc: argmax of summed log-likelihood; acc_norm: argmax of log-likelihood / character length of the choice.</summary>
    public static readonly IReadOnlyList<string> MultipleChoice = ["acc", "acc_norm"];

    public static IEnumerable<string> GenerationNames => PerSample.Keys.Concat(PerTask.Keys);

    public static IEnumerable<string> AllNames => GenerationNames.Concat(MultipleChoice);

    public static bool IsKnown(string name) => PerSample.ContainsKey(name) || PerTask.ContainsKey(name) || MultipleChoice.Contains(name) || NotComputable.ContainsKey(name);

    /// <summary>True for metrics that give every sample a score (all but the corpus-level ones and the not computable).</summary>
    public static bool IsPerSample(string name) => PerSample.ContainsKey(name);

    /// <summary>Why <paramref name="name"/> cannot run on this machine (MeCab missing), or null.</summary>
    public static string? Unavailable(string name) => NeedMeCab.Contains(name) ? MeCabTagger.Unavailable : null;

    /// <summary>One sample's score under a per-sample metric.</summary>
    public static double Score(string metric, string prediction, string gold) =>
        PerSample.TryGetValue(metric, out var score) ? score(prediction, gold)
            : throw new ArgumentException(PerTask.ContainsKey(metric) ? $"'{metric}' scores a whole task, not one sample; use ScoreTask."
                : $"unknown generation metric '{metric}'; known: {string.Join(", ", GenerationNames)}.");

    /// <summary>
    /// A task's score: the mean of the per-sample scores (<paramref name="sampleScores"/> when already computed), or the
    /// corpus-level metric over all (prediction, gold) pairs.
    /// </summary>
    public static double ScoreTask(string metric, IReadOnlyList<string> predictions, IReadOnlyList<string> golds, IEnumerable<double>? sampleScores = null)
    {
        if (PerTask.TryGetValue(metric, out var corpus)) return corpus(predictions, golds);
        return (sampleScores ?? predictions.Select((p, i) => Score(metric, p, golds[i]))).Average();
    }
}
