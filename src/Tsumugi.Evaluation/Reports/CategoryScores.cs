namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// Category averages of one model: <see cref="Averages"/> per category present, <see cref="Avg"/> over the
/// <see cref="AveragedCount"/> averaged categories present (null when none), the averaged categories with no result, and
/// which "dataset/metric" keys each category counted.
/// </summary>
public sealed record CategoryScores(IReadOnlyDictionary<string, double> Averages, double? Avg, int AveragedCount,
    IReadOnlyList<string> Missing, IReadOnlyDictionary<string, IReadOnlyList<string>> Counted)
{
    /// <summary>One line for humans: "AVG over 3 of 11 categories; missing: MT (…), …".</summary>
    public string Note => Avg is null ? "no llm-jp-eval dataset among the results"
        : $"AVG over {AveragedCount} of {LlmJpEvalCategories.Averaged.Count} categories (llm-jp-eval counts a missing category as 0)"
          + (Missing.Count == 0 ? "" : $"; missing: {string.Join(", ", Missing.Select(c => c == "MT" ? "MT (comet_wmt22 is not computed)" : c))}");
}
