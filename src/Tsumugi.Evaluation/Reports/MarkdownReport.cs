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
        sb.Append('\n').Append(ReportNumber.Rule.Replace("marked", "in **bold**", StringComparison.Ordinal)).Append("\n\nSources:\n");
        foreach (var c in table.Columns) sb.Append("- ").Append(Escape(c.Label)).Append(": ").AppendJoin(", ", c.Sources.Select(s => $"`{s}`")).Append('\n');
        return sb.ToString();
    }

    /// <summary>Pipes would split a cell; newlines would end the row.</summary>
    static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
