using Tsumugi.Cli.Commands;

namespace Tsumugi.Cli.Tests;

public sealed class DemoReportTests
{
    /// <summary>Model answers contain anything: a '|' or a line break must not split or end a Markdown table row.</summary>
    [Fact]
    public void AddTable_CellsWithPipesAndLineBreaks_StayOneRowInMarkdownAndHtml()
    {
        var report = new DemoReport();
        report.Stage("sft", "done", TimeSpan.FromSeconds(1));
        report.AddTable("Answers", "Both models, same prompt.", ["question", "answer"], [["a|b", "line 1\nline 2 <b>"], ["q2", ""]]);

        var md = report.ToMarkdown().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int title = md.IndexOf("## Answers");
        Assert.True(title > 0, string.Join('\n', md));
        Assert.Equal(["Both models, same prompt.", "", "| question | answer |", "|---|---|", "| a\\|b | line 1 line 2 <b> |", "| q2 |  |"], md[(title + 2)..(title + 8)]);
        var html = report.ToHtml();
        Assert.Contains("<h2>Answers</h2><p>Both models, same prompt.</p><table><tr><th>question</th><th>answer</th></tr>", html);
        Assert.Contains("<tr><td>a|b</td><td>line 1\nline 2 &lt;b&gt;</td></tr>", html);
    }
}
