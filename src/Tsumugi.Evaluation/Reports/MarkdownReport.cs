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
        AppendViews(sb, table);
        sb.Append("Sources:\n");
        foreach (var c in table.Columns) sb.Append("- ").Append(Escape(c.Label)).Append(": ").AppendJoin(", ", c.Sources.Select(s => $"`{s}`")).Append('\n');
        return sb.ToString();
    }

    /// <summary>Each <see cref="LeaderboardViews"/> view as a table of its own, one row per model, then its notes.</summary>
    static void AppendViews(StringBuilder sb, ComparisonTable table)
    {
        foreach (var view in LeaderboardViews.Of(table))
        {
            sb.Append("## ").Append(view.Title).Append("\n\n| model | ").AppendJoin(" | ", view.Headers).Append(" |\n| --- |")
                .Append(string.Concat(view.Headers.Select(_ => " ---: |"))).Append('\n');
            foreach (var row in view.Rows)
                sb.Append("| ").Append(Escape(row.Model)).Append(" |").Append(string.Concat(row.Values.Select(v => $" {ReportNumber.Format(v)} |"))).Append('\n');
            sb.Append('\n');
            foreach (var note in view.Notes) sb.Append("- ").Append(Escape(note)).Append('\n');
            sb.Append('\n');
        }
    }

    /// <summary>Pipes would split a cell; newlines would end the row.</summary>
    static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
