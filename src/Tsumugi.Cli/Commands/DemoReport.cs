using System.Text;

namespace Tsumugi.Cli.Commands;

/// <summary>Collects what the demo ran and measured, rendered as Markdown.</summary>
public sealed class DemoReport
{
    readonly StringBuilder _intro = new();
    readonly List<(string Name, string Result, TimeSpan Elapsed)> _stages = [];

    public void Line(string text) => _intro.AppendLine(text).AppendLine();

    public void Stage(string name, string result, TimeSpan elapsed) => _stages.Add((name, result, elapsed));

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Tsumugi demo report").AppendLine();
        md.AppendLine($"Run at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.Append(_intro);
        md.AppendLine("| stage | result | time |").AppendLine("|---|---|---|");
        foreach (var (name, result, elapsed) in _stages)
            md.AppendLine($"| {name} | {result.Replace("|", "\\|")} | {elapsed.TotalSeconds:F1} s |");
        return md.ToString();
    }
}
