using System.Text;

namespace Tsumugi.Evaluation.Reports;

/// <summary>The comparison as a GitHub-flavoured Markdown table; best values in bold, missing cells empty, sources listed below.</summary>
public static class MarkdownReport
{
    public static string Render(ComparisonTable table)
    {
        var sb = new StringBuilder("# Evaluation report\n\n");
        sb.Append("| kind | metric | ").AppendJoin(" | ", table.Columns.Select(c => Escape(c.Label))).Append(" |\n");
        sb.Append("| --- | --- |").Append(string.Concat(table.Columns.Select(_ => " ---: |"))).Append('\n');
        foreach (var row in table.Rows)
        {
            sb.Append("| ").Append(Escape(row.Kind)).Append(" | ").Append(Escape(row.Metric)).Append(" |");
            for (int i = 0; i < row.Values.Count; i++)
            {
                var text = ReportNumber.Format(row.Values[i]);
                sb.Append(' ').Append(row.Best.Contains(i) ? $"**{text}**" : text).Append(" |");
            }
            sb.Append('\n');
        }
        sb.Append('\n').Append(ReportNumber.Rule.Replace("marked", "in **bold**", StringComparison.Ordinal)).Append("\n\n");
        AppendCategories(sb, table);
        AppendMtBench(sb, table);
        sb.Append("Sources:\n");
        foreach (var c in table.Columns) sb.Append("- ").Append(Escape(c.Label)).Append(": ").AppendJoin(", ", c.Sources.Select(s => $"`{s}`")).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// llm-jp-eval's category averages per model, one row each as leaderboards print them, from the columns' tasks
    /// results (<see cref="LlmJpEvalCategories"/>); nothing when no column has an llm-jp-eval dataset.
    /// </summary>
    static void AppendCategories(StringBuilder sb, ComparisonTable table)
    {
        var scores = table.Columns.Select((_, i) => LlmJpEvalCategories.Compute(table.Rows
            .Where(r => r.Kind == "tasks" && r.Values[i] is not null).ToDictionary(r => r.Metric, r => r.Values[i]!.Value))).ToList();
        if (scores.All(s => s.Avg is null)) return;
        var categories = LlmJpEvalCategories.Averaged.Concat(LlmJpEvalCategories.Extra).ToList();
        sb.Append("## llm-jp-eval categories\n\n| model | AVG | ").AppendJoin(" | ", categories).Append(" |\n| --- | ---: |")
            .Append(string.Concat(categories.Select(_ => " ---: |"))).Append('\n');
        for (int i = 0; i < scores.Count; i++)
        {
            if (scores[i].Avg is null) continue;
            sb.Append("| ").Append(Escape(table.Columns[i].Label)).Append(" | ").Append(ReportNumber.Format(scores[i].Avg)).Append(" |");
            foreach (var c in categories) sb.Append(' ').Append(ReportNumber.Format(scores[i].Averages.TryGetValue(c, out var v) ? v : null)).Append(" |");
            sb.Append('\n');
        }
        sb.Append('\n');
        for (int i = 0; i < scores.Count; i++)
            if (scores[i].Avg is not null) sb.Append("- ").Append(Escape(table.Columns[i].Label)).Append(": ").Append(scores[i].Note).Append('\n');
        sb.Append('\n');
    }

    /// <summary>
    /// Japanese MT-Bench per model as leaderboards print it: the overall mean (1–10), Nejumi's 0–1 score, the per-turn
    /// means and the 8 categories; nothing when no column has judge results.
    /// </summary>
    static void AppendMtBench(StringBuilder sb, ComparisonTable table)
    {
        const string prefix = Judging.MtBenchScores.Prefix;
        var judged = Enumerable.Range(0, table.Columns.Count)
            .Where(i => table.Rows.Any(r => r.Kind == "judge" && r.Metric == prefix + "overall" && r.Values[i] is not null)).ToList();
        if (judged.Count == 0) return;
        string[] columns = ["overall", "nejumi_score", "turn1", "turn2", .. Judging.MtBenchCategories.Standard];
        sb.Append("## MT-Bench\n\n| model | ").AppendJoin(" | ", columns).Append(" |\n| --- |").Append(string.Concat(columns.Select(_ => " ---: |"))).Append('\n');
        foreach (var i in judged)
        {
            sb.Append("| ").Append(Escape(table.Columns[i].Label)).Append(" |");
            foreach (var c in columns)
                sb.Append(' ').Append(ReportNumber.Format(table.Rows.FirstOrDefault(r => r.Kind == "judge" && r.Metric == prefix + c)?.Values[i])).Append(" |");
            sb.Append('\n');
        }
        sb.Append("\noverall: mean of all judged turns (FastChat); nejumi_score: mean of the category means / 10 (Nejumi leaderboard).\n\n");
    }

    /// <summary>Pipes would split a cell; newlines would end the row.</summary>
    static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
