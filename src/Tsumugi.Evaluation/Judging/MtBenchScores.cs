namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// The averages MT-Bench reports, over scored samples only (failures are counted, never averaged as 0):
/// <list type="bullet">
/// <item><c>mt_bench/overall</c>: mean of all (question, turn) scores (FastChat show_result, llm-jp-judge);</item>
/// <item><c>mt_bench/nejumi_score</c>: mean of the category means, divided by 10 (Nejumi leaderboard, 0–1);</item>
/// <item><c>mt_bench/turn1</c>, <c>turn2</c>, …: mean per turn;</item>
/// <item><c>mt_bench/CATEGORY</c>: mean per category over all its turns, in the order categories first appear;</item>
/// <item><c>mt_bench/CATEGORY/turnN</c>: mean per category and turn (FastChat show_result's per-turn tables);</item>
/// <item><c>mt_bench/judged</c>, <c>mt_bench/failures</c> and <c>mt_bench/failures/KIND</c>: counts;</item>
/// <item><c>mt_bench/no_verdict_replies</c>: judge answers without a verdict, retried ones included, so a judge that
/// needs second tries shows even when every sample ended up scored.</item>
/// </list>
/// A mean with no scored sample behind it is left out rather than written as 0 or NaN.
/// </summary>
public static class MtBenchScores
{
    public const string Prefix = "mt_bench/";

    /// <summary>Metric names the categories must not shadow.</summary>
    public static bool IsReservedName(string category) =>
        category is "overall" or "nejumi_score" or "judged" or "failures" or "no_verdict_replies" || (category.StartsWith("turn", StringComparison.Ordinal) && category[4..].All(char.IsAsciiDigit));

    public static IReadOnlyDictionary<string, double> Compute(IReadOnlyList<MtBenchSample> samples)
    {
        var metrics = new Dictionary<string, double>(); // insertion order = the order the report shows
        var scored = samples.Where(s => s.Score is not null).ToList();
        if (scored.Count > 0) metrics[Prefix + "overall"] = scored.Average(s => s.Score!.Value);
        var categories = samples.Select(s => s.Category).Distinct().ToList();
        var categoryMeans = categories
            .Select(c => (Category: c, Scores: scored.Where(s => s.Category == c).Select(s => s.Score!.Value).ToList()))
            .Where(c => c.Scores.Count > 0)
            .Select(c => (c.Category, Mean: c.Scores.Average()))
            .ToList();
        if (categoryMeans.Count > 0) metrics[Prefix + "nejumi_score"] = categoryMeans.Average(c => c.Mean) / 10;
        foreach (var turn in samples.Select(s => s.Turn).Distinct().Order())
        {
            var turnScores = scored.Where(s => s.Turn == turn).ToList();
            if (turnScores.Count > 0) metrics[$"{Prefix}turn{turn}"] = turnScores.Average(s => s.Score!.Value);
        }
        foreach (var (category, mean) in categoryMeans) metrics[Prefix + category] = mean;
        foreach (var (category, _) in categoryMeans)
            foreach (var group in scored.Where(s => s.Category == category).GroupBy(s => s.Turn).OrderBy(g => g.Key))
                metrics[$"{Prefix}{category}/turn{group.Key}"] = group.Average(s => s.Score!.Value);
        metrics[Prefix + "judged"] = scored.Count;
        metrics[Prefix + "failures"] = samples.Count - scored.Count;
        foreach (var kind in JudgeFailure.All) metrics[$"{Prefix}failures/{kind}"] = samples.Count(s => s.Failure == kind);
        metrics[Prefix + "no_verdict_replies"] = samples.Sum(s => s.NoVerdictReplies);
        return metrics;
    }

    /// <summary>Failure counts by kind (all kinds, zeros included), for the details and the console.</summary>
    public static IReadOnlyDictionary<string, int> Failures(IReadOnlyList<MtBenchSample> samples) =>
        JudgeFailure.All.ToDictionary(k => k, k => samples.Count(s => s.Failure == k));
}
