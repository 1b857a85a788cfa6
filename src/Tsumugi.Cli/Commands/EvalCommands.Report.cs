using System.CommandLine;
using Tsumugi.Evaluation.Reports;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval report PATH…`: eval result files (or directories of them, e.g. a run's checkpoints) side by side as a
/// Markdown table on stdout, optionally saved as Markdown, self-contained HTML and JSON.
/// </summary>
public static partial class EvalCommands
{
    static partial void AddReport(Command group)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Eval result files (--output of eval perplexity/tasks/judge) or directories searched recursively for them.", Arity = ArgumentArity.OneOrMore };
        var output = CommonOptions.OptionalOutput("Write the Markdown report to this file.");
        var html = new Option<string?>("--html") { Description = "Write a self-contained HTML report to this file." };
        var json = new Option<string?>("--json") { Description = "Write the table as JSON (columns, rows, best cells) to this file." };
        var command = new Command("report", "Compare eval results of several models or checkpoints side by side (Markdown, HTML, JSON).")
        {
            paths, output, html, json,
        };
        command.SetAction(parse =>
        {
            var files = EvalResultFinder.Find(parse.GetValue(paths)!);
            var table = ComparisonTable.Build(files);
            var markdown = MarkdownReport.Render(table);
            Write(parse.GetValue(output), markdown);
            Write(parse.GetValue(html), HtmlReport.Render(table));
            Write(parse.GetValue(json), JsonReport.Render(table));
            Console.Write(markdown);
            Console.Error.WriteLine($"[{files.Count} result files, {table.Columns.Count} columns, {table.Rows.Count} metrics]");
            return 0;
        });
        group.Add(command);
    }

    static void Write(string? path, string text)
    {
        if (path is null) return;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
