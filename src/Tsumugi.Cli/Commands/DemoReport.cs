using System.Text;

namespace Tsumugi.Cli.Commands;

/// <summary>Collects what the demo ran and measured, rendered as Markdown.</summary>
public sealed class DemoReport
{
    readonly StringBuilder _intro = new();
    readonly List<(string Name, string Result, TimeSpan Elapsed)> _stages = [];
    readonly List<(string Caption, string Path)> _images = [];
    readonly List<(string Prompt, string Text)> _samples = [];
    readonly List<Table> _tables = [];

    /// <summary>A titled table under the stage list: a line of explanation, a header row, rows of cells.</summary>
    sealed record Table(string Title, string Note, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

    public void Line(string text) => _intro.AppendLine(text).AppendLine();

    public void Stage(string name, string result, TimeSpan elapsed) => _stages.Add((name, result.ReplaceLineEndings(" "), elapsed));

    /// <summary>An image (path relative to the report).</summary>
    public void Image(string caption, string relativePath) => _images.Add((caption, relativePath));

    public void Sample(string prompt, string text) => _samples.Add((prompt, text));

    public void AddTable(string title, string note, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows) =>
        _tables.Add(new Table(title, note, headers, rows));

    static string MarkdownCell(string text) => text.ReplaceLineEndings(" ").Replace("|", "\\|");

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Tsumugi demo report").AppendLine();
        md.AppendLine($"Run at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.Append(_intro);
        md.AppendLine("| stage | result | time |").AppendLine("|---|---|---|");
        foreach (var (name, result, elapsed) in _stages)
            md.AppendLine($"| {name} | {MarkdownCell(result)} | {elapsed.TotalSeconds:F1} s |");
        foreach (var (caption, path) in _images) md.AppendLine().AppendLine($"![{caption}]({path})");
        foreach (var table in _tables)
        {
            md.AppendLine().AppendLine($"## {table.Title}").AppendLine().AppendLine(table.Note).AppendLine();
            md.AppendLine($"| {string.Join(" | ", table.Headers)} |").AppendLine($"|{string.Concat(table.Headers.Select(_ => "---|"))}");
            foreach (var row in table.Rows) md.AppendLine($"| {string.Join(" | ", row.Select(MarkdownCell))} |");
        }
        if (_samples.Count > 0)
        {
            md.AppendLine().AppendLine("## Generated samples").AppendLine();
            foreach (var (prompt, text) in _samples) md.AppendLine($"- **{prompt}**{text.ReplaceLineEndings(" ")}");
        }
        return md.ToString();
    }

    public string ToHtml()
    {
        static string E(string s) => System.Net.WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>Tsumugi demo report</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}table{border-collapse:collapse}</style></head><body>");
        html.AppendLine($"<h1>Tsumugi demo report</h1><p>Run at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.</p>");
        foreach (var line in _intro.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) html.AppendLine($"<p>{E(line.Trim())}</p>");
        html.AppendLine("<table><tr><th>stage</th><th>result</th><th>time</th></tr>");
        foreach (var (name, result, elapsed) in _stages) html.AppendLine($"<tr><td>{E(name)}</td><td>{E(result)}</td><td>{elapsed.TotalSeconds:F1} s</td></tr>");
        html.AppendLine("</table>");
        foreach (var (caption, path) in _images) html.AppendLine($"<figure><img src=\"{E(path)}\" alt=\"{E(caption)}\"><figcaption>{E(caption)}</figcaption></figure>");
        foreach (var table in _tables)
        {
            html.AppendLine($"<h2>{E(table.Title)}</h2><p>{E(table.Note)}</p><table><tr>{string.Concat(table.Headers.Select(h => $"<th>{E(h)}</th>"))}</tr>");
            foreach (var row in table.Rows) html.AppendLine($"<tr>{string.Concat(row.Select(c => $"<td>{E(c)}</td>"))}</tr>");
            html.AppendLine("</table>");
        }
        if (_samples.Count > 0)
        {
            html.AppendLine("<h2>Generated samples</h2><ul>");
            foreach (var (prompt, text) in _samples) html.AppendLine($"<li><b>{E(prompt)}</b>{E(text)}</li>");
            html.AppendLine("</ul>");
        }
        html.AppendLine("</body></html>");
        return html.ToString();
    }
}
