using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// The report's leaderboard views: one row per model (column of the comparison), as the leaderboards print them —
/// llm-jp-eval's category averages from tasks results, and Japanese MT-Bench from judge results. A view is left out
/// when no model has its results, and a model without them has no row. Markdown, HTML and JSON render the same views.
/// </summary>
public static class LeaderboardViews
{
    public sealed record Row(string Model, IReadOnlyList<double?> Values);

    public sealed record View(string Title, IReadOnlyList<string> Headers, IReadOnlyList<Row> Rows, IReadOnlyList<string> Notes);

    public static IReadOnlyList<View> Of(ComparisonTable table) => new[] { LlmJpEval(table), MtBench(table) }.OfType<View>().ToList();

    static View? LlmJpEval(ComparisonTable table)
    {
        var scores = table.Columns.Select((c, i) => (c.Label, Scores: LlmJpEvalCategories.Compute(table.Rows
            .Where(r => r.Kind == "tasks" && r.Values[i] is not null).ToDictionary(r => r.Metric, r => r.Values[i]!.Value))))
            .Where(s => s.Scores.Avg is not null).ToList();
        if (scores.Count == 0) return null;
        var categories = LlmJpEvalCategories.Averaged.Concat(LlmJpEvalCategories.Extra).ToList();
        var rows = scores.Select(s => new Row(s.Label,
            [s.Scores.Avg, .. categories.Select(c => s.Scores.Averages.TryGetValue(c, out var v) ? v : (double?)null)])).ToList();
        return new View("llm-jp-eval categories", ["AVG", .. categories], rows, scores.Select(s => $"{s.Label}: {s.Scores.Note}").ToList());
    }

    static View? MtBench(ComparisonTable table)
    {
        string[] headers = ["overall", "nejumi_score", "turn1", "turn2", .. MtBenchCategories.Standard];
        double? Value(int column, string name) =>
            table.Rows.FirstOrDefault(r => r.Kind == "judge" && r.Metric == MtBenchScores.Prefix + name)?.Values[column];
        var rows = table.Columns.Select((c, i) => (c.Label, Column: i)).Where(c => Value(c.Column, "overall") is not null)
            .Select(c => new Row(c.Label, headers.Select(h => Value(c.Column, h)).ToList())).ToList();
        return rows.Count == 0 ? null : new View("MT-Bench", headers, rows,
            ["overall: mean of all judged turns (FastChat); nejumi_score: mean of the category means / 10 (Nejumi leaderboard)."]);
    }
}
