using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tsumugi.Evaluation;
using Tsumugi.Modeling;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi demo`: the pipeline on the sample corpus, ending in a Markdown report. Each stage that exists runs for
/// real on real data; the report lists what ran, the figures it measured and where the outputs are.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output") { Description = "Directory for every artefact and the report.", DefaultValueFactory = _ => "demo-output" };
        var corpus = new Option<string?>("--corpus") { Description = "Sample corpus directory (default: ../shared/corpus next to the checkout)." };
        var command = new Command("demo", "Run the pipeline on the sample corpus and write demo-output/report.md.") { output, corpus };
        command.SetAction(parse => Run(parse.GetValue(output)!, parse.GetValue(corpus)));
        return command;
    }

    static int Run(string output, string? corpusOption)
    {
        Directory.CreateDirectory(output);
        var report = new DemoReport();
        var corpus = corpusOption ?? FindSharedCorpus();
        report.Line($"Sample corpus: `{corpus}`");

        var modelDir = Path.Combine(output, "model");
        Stage(report, "model init (tiny preset)", () =>
        {
            var config = ModelPresets.Get("tiny");
            using var model = new LlamaForCausalLM(config);
            model.InitializeWeights(1234);
            HfModelDirectory.Save(model, modelDir);
            var a = ModelAccounting.For(config);
            return $"{a.TotalParameters:N0} parameters, {a.TrainingFlopsPerToken(config, 256):E2} training FLOPs/token at seq 256 → `{modelDir}`";
        });
        Stage(report, "model score (untrained model, random ids)", () =>
        {
            using var model = HfModelDirectory.Load(modelDir);
            var ids = Enumerable.Range(0, 64).Select(i => (long)(i * 37 % model.Config.VocabSize)).ToArray();
            var score = SequenceScorer.Score(model, ids);
            double perplexity = Math.Exp(score.TotalNll / score.Tokens.Count);
            return $"perplexity {perplexity:F1} over {score.Tokens.Count} tokens (an untrained model is near the vocabulary size, {model.Config.VocabSize})";
        });

        var reportPath = Path.Combine(output, "report.md");
        File.WriteAllText(reportPath, report.ToMarkdown());
        AnsiConsole.MarkupLine($"[green]Report:[/] {Markup.Escape(reportPath)}");
        return 0;
    }

    static void Stage(DemoReport report, string name, Func<string> run)
    {
        AnsiConsole.MarkupLine($"[bold]▶ {Markup.Escape(name)}[/]");
        var sw = Stopwatch.StartNew();
        var result = run();
        report.Stage(name, result, sw.Elapsed);
        AnsiConsole.MarkupLine($"  {Markup.Escape(result)} [grey]({sw.Elapsed.TotalSeconds:F1} s)[/]");
    }

    /// <summary>../shared/corpus relative to the repository root (found by walking up from here and from the binary).</summary>
    static string FindSharedCorpus()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "corpus");
                if (File.Exists(Path.Combine(dir.FullName, "Tsumugi.sln")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        throw new DirectoryNotFoundException("sample corpus not found at ../shared/corpus; pass --corpus DIR (or fetch one with `tsumugi corpus sample`).");
    }
}
