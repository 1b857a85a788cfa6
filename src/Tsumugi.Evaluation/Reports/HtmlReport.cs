using System.Net;
using System.Text;

namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// The comparison as one self-contained HTML page (inline CSS, no scripts, fonts or links), so it can be mailed or
/// archived with a run. One table body per kind; best cells get class "best".
/// </summary>
public static class HtmlReport
{
    const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.best { font-weight: bold; background: #e6f4e6; }
        tr.kind th { background: #f0f0f0; text-align: left; }
        p.rule, ul.sources { font-size: 0.9em; color: #555; }
        """;

    public static string Render(ComparisonTable table)
    {
        static string H(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>Evaluation report</title>\n<style>\n")
            .Append(Style).Append("</style>\n</head>\n<body>\n<h1>Evaluation report</h1>\n<table>\n<thead><tr><th>metric</th>");
        foreach (var c in table.Columns) sb.Append("<th title=\"").Append(H(string.Join(", ", c.Sources))).Append("\">").Append(H(c.Label)).Append("</th>");
        sb.Append("</tr></thead>\n");
        foreach (var kind in table.Rows.GroupBy(r => r.Kind))
        {
            sb.Append("<tbody>\n<tr class=\"kind\"><th colspan=\"").Append(table.Columns.Count + 1).Append("\">").Append(H(kind.Key)).Append("</th></tr>\n");
            foreach (var row in kind)
            {
                sb.Append("<tr><td>").Append(H(row.Metric)).Append("</td>");
                for (int i = 0; i < row.Values.Count; i++)
                    sb.Append(row.Best.Contains(i) ? "<td class=\"num best\">" : "<td class=\"num\">").Append(H(ReportNumber.Format(row.Values[i]))).Append("</td>");
                sb.Append("</tr>\n");
            }
            sb.Append("</tbody>\n");
        }
        sb.Append("</table>\n<p class=\"rule\">").Append(H(ReportNumber.Rule)).Append("</p>\n");
        foreach (var view in LeaderboardViews.Of(table))
        {
            sb.Append("<h2>").Append(H(view.Title)).Append("</h2>\n<table>\n<thead><tr><th>model</th>")
                .Append(string.Concat(view.Headers.Select(h => $"<th>{H(h)}</th>"))).Append("</tr></thead>\n<tbody>\n");
            foreach (var row in view.Rows)
                sb.Append("<tr><td>").Append(H(row.Model)).Append("</td>")
                    .Append(string.Concat(row.Values.Select(v => $"<td class=\"num\">{H(ReportNumber.Format(v))}</td>"))).Append("</tr>\n");
            sb.Append("</tbody>\n</table>\n").Append(string.Concat(view.Notes.Select(n => $"<p class=\"rule\">{H(n)}</p>\n")));
        }
        sb.Append("<ul class=\"sources\">\n");
        foreach (var c in table.Columns) sb.Append("<li>").Append(H(c.Label)).Append(": ").Append(H(string.Join(", ", c.Sources))).Append("</li>\n");
        return sb.Append("</ul>\n</body>\n</html>\n").ToString();
    }
}
