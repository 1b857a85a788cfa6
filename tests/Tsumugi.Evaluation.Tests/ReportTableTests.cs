using Tsumugi.Evaluation.Reports;

namespace Tsumugi.Evaluation.Tests;

/// <summary>Reports over hand-written result files: two checkpoints of one run and a baseline, plus JSON that is not a result.</summary>
public sealed class ReportTableTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-report-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string P(string relative) => Path.Combine(_dir, relative.Replace('/', Path.DirectorySeparatorChar));

    void Result(string relative, string kind, string model, params (string Name, double Value)[] metrics) =>
        new EvalSummary(kind, model, DateTimeOffset.UnixEpoch, metrics.ToDictionary(m => m.Name, m => m.Value)).Write(P(relative), new { note = "x" });

    /// <summary>iter_1000 sorts after iter_900 only numerically; the baseline lacks the perplexity and judge rows.</summary>
    void WriteRun()
    {
        Result("run/iter_1000/judge.json", "judge", "ckpt", ("mt_bench/overall", 5.25), ("mt_bench/judged", 10), ("mt_bench/failures", 2));
        Result("run/iter_1000/ppl.json", "perplexity", "ckpt", ("ppl/ja", 15), ("ppl/en", 35));
        Result("run/iter_900/tasks.json", "tasks", "ckpt", ("jcommonsenseqa/acc", 0.5), ("jnli/acc", 0.4));
        Result("run/iter_900/ppl.json", "perplexity", "ckpt", ("ppl/ja", 20), ("ppl/en", 30));
        Result("run/iter_900/judge.json", "judge", "ckpt", ("mt_bench/overall", 4.125), ("mt_bench/judged", 12), ("mt_bench/failures", 0));
        Result("base/tasks.json", "tasks", "base", ("jnli/acc", 0.4), ("jcommonsenseqa/acc", 0.7), ("jsquad/exact_match", 0.25));
        File.WriteAllText(P("run/iter_900/config.json"), """{"model_type": "llama", "kind": "not first"}""");
        File.WriteAllText(P("run/tokenizer.json"), """{"version": "1.0"}""");
    }

    [Fact]
    public void CheckpointsAndModelsSideBySideWithGroupedRowsAndBestMarks()
    {
        WriteRun();
        var files = EvalResultFinder.Find([P("run"), P("base/tasks.json")]);
        Assert.Equal(6, files.Count); // config.json and tokenizer.json skipped
        var table = ComparisonTable.Build(files);
        Assert.Equal(["ckpt (iter_900)", "ckpt (iter_1000)", "base"], table.Columns.Select(c => c.Label));
        Assert.Equal(3, table.Columns[0].Sources.Count);

        var md = MarkdownReport.Render(table);
        var lines = md[..md.IndexOf("## MT-Bench", StringComparison.Ordinal)].Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Equal(
        [
            "| kind | metric | ckpt (iter_900) | ckpt (iter_1000) | base |",
            "| --- | --- | ---: | ---: | ---: |",
            "| perplexity | ppl/ja | 20 | **15** |  |",
            "| perplexity | ppl/en | **30** | 35 |  |",
            "| tasks | jcommonsenseqa/acc | 0.5 |  | **0.7** |",
            "| tasks | jnli/acc | **0.4** |  | **0.4** |",
            "| tasks | jsquad/exact_match |  |  | 0.25 |",
            "| judge | mt_bench/overall | 4.125 | **5.25** |  |",
            "| judge | mt_bench/judged | 12 | 10 |  |",
            "| judge | mt_bench/failures | **0** | 2 |  |",
        ], lines);
        Assert.Contains("lower is better for perplexity", md);
        Assert.Contains($"- base: `{P("base/tasks.json")}`", md);
    }

    [Fact]
    public void LlmJpEvalCategoriesAverageDatasetsThenCategories()
    {
        var scores = LlmJpEvalCategories.Compute(new Dictionary<string, double>
        {
            ["jnli/exact_match"] = 0.6, ["jamp/exact_match"] = 0.4,    // NLI 0.5
            ["jemhopqa/char_f1"] = 0.3, ["niilc/char_f1"] = 0.5,      // QA 0.4
            ["xlsum_ja/rouge2"] = 0.1,                                 // SUM (rouge2 on 0..1 = llm-jp-eval's rouge2_scaling)
            ["jsts/pearson"] = 0.8,                                    // STS: shown, not averaged
            ["jsquad/exact_match"] = 0.9, ["jnli/char_f1"] = 0.2,      // not the metric that counts for their datasets
        });
        Assert.Equal(0.5, scores.Averages["NLI"], 1e-12);
        Assert.Equal(0.4, scores.Averages["QA"], 1e-12);
        Assert.Equal(0.8, scores.Averages["STS"], 1e-12);
        Assert.False(scores.Averages.ContainsKey("RC"));
        Assert.Equal((0.5 + 0.4 + 0.1) / 3, scores.Avg!.Value, 1e-12);
        Assert.Equal(3, scores.AveragedCount);
        Assert.Contains("MT (comet_wmt22 is not computed)", scores.Note);
        Assert.Equal(["jamp/exact_match", "jnli/exact_match"], scores.Counted["NLI"]); // in llm-jp-eval's order
    }

    [Fact]
    public void MarkdownReportPrintsCategoryAveragesPerModel()
    {
        Result("a/tasks.json", "tasks", "a", ("jnli/exact_match", 0.5), ("jsquad/char_f1", 0.7));
        Result("b/tasks.json", "tasks", "b", ("jnli/exact_match", 0.25));
        Result("c/ppl.json", "perplexity", "c", ("ppl/ja", 12));
        var md = MarkdownReport.Render(ComparisonTable.Build(EvalResultFinder.Find([P("a"), P("b"), P("c")])));
        Assert.Contains("| model | AVG | NLI | QA | RC | MC | EL | FA | MR | MT | HE | CG | SUM | STS |", md);
        Assert.Contains("| a | 0.6 | 0.5 |  | 0.7 |  |  |  |  |  |  |  |  |  |", md);
        Assert.Contains("| b | 0.25 | 0.25 |", md);
        Assert.DoesNotContain(md.Split('\n'), l => l.StartsWith("| c |", StringComparison.Ordinal)); // no llm-jp-eval dataset: no row
        Assert.Contains("- a: AVG over 2 of 11 categories", md);
    }

    [Fact]
    public void MarkdownReportPrintsMtBenchPerModelAsLeaderboardsDo()
    {
        Result("a/judge.json", "judge", "a", ("mt_bench/overall", 6.5), ("mt_bench/nejumi_score", 0.62), ("mt_bench/turn1", 7), ("mt_bench/turn2", 6),
            ("mt_bench/writing", 8), ("mt_bench/math", 3.5));
        Result("b/tasks.json", "tasks", "b", ("jnli/exact_match", 0.25));
        var md = MarkdownReport.Render(ComparisonTable.Build(EvalResultFinder.Find([P("a"), P("b")])));
        Assert.Contains("| model | overall | nejumi_score | turn1 | turn2 | writing | roleplay | reasoning | math | coding | extraction | stem | humanities |", md);
        Assert.Contains("| a | 6.5 | 0.62 | 7 | 6 | 8 |  |  | 3.5 |  |  |  |  |", md);
        var mtBench = md[md.IndexOf("## MT-Bench", StringComparison.Ordinal)..];
        Assert.DoesNotContain("| b |", mtBench[..mtBench.IndexOf("Sources:", StringComparison.Ordinal)]); // no judge results: no row

        // The HTML and JSON reports carry the same views: b's llm-jp-eval row, a's MT-Bench row.
        var table = ComparisonTable.Build(EvalResultFinder.Find([P("a"), P("b")]));
        var html = HtmlReport.Render(table);
        Assert.Contains("<h2>MT-Bench</h2>", html);
        Assert.Contains("<h2>llm-jp-eval categories</h2>", html);
        var views = System.Text.Json.Nodes.JsonNode.Parse(JsonReport.Render(table))!["leaderboards"]!.AsArray();
        Assert.Equal(["llm-jp-eval categories", "MT-Bench"], views.Select(v => (string)v!["title"]!));
        var mt = views[1]!;
        Assert.Equal("a", (string)mt["rows"]![0]!["model"]!);
        Assert.Equal(3.5, (double)mt["rows"]![0]!["values"]![7]!); // headers: overall, nejumi_score, turn1, turn2, writing, roleplay, reasoning, math
        Assert.Null(mt["rows"]![0]!["values"]![5]);
        Assert.Equal(0.25, (double)views[0]!["rows"]![0]!["values"]![0]!); // b's AVG
    }

    [Fact]
    public void HtmlIsSelfContainedAndMarksTheSameCells()
    {
        WriteRun();
        var html = HtmlReport.Render(ComparisonTable.Build(EvalResultFinder.Find([P("run"), P("base")])));
        Assert.StartsWith("<!DOCTYPE html>", html);
        foreach (var external in new[] { "<script", "<link", "src=", "http://", "https://", "url(" }) Assert.DoesNotContain(external, html);
        Assert.Contains("<tr><td>ppl/ja</td><td class=\"num\">20</td><td class=\"num best\">15</td><td class=\"num\"></td></tr>", html);
        Assert.Contains("<tr class=\"kind\"><th colspan=\"4\">judge</th></tr>", html);
        Assert.Equal(7, html.Split("class=\"num best\"").Length - 1); // jnli/acc is a tie: both marked
    }

    [Fact]
    public void JsonReportCarriesValuesMissingCellsAndBestIndices()
    {
        WriteRun();
        var json = System.Text.Json.Nodes.JsonNode.Parse(JsonReport.Render(ComparisonTable.Build(EvalResultFinder.Find([P("run"), P("base")]))))!;
        var row = json["rows"]!.AsArray().Single(r => r!["metric"]!.GetValue<string>() == "jcommonsenseqa/acc")!;
        Assert.Equal("[0.5,null,0.7]", row["values"]!.ToJsonString());
        Assert.Equal("[2]", row["best"]!.ToJsonString());
        Assert.Equal("higher", row["better"]!.GetValue<string>());
        Assert.Equal("base", json["columns"]![2]!["label"]!.GetValue<string>());
    }

    [Fact]
    public void ANonEvalJsonFileGivenExplicitlyIsAClearError()
    {
        WriteRun();
        var message = Assert.Throws<InvalidDataException>(() => EvalResultFinder.Find([P("run/iter_900/config.json")])).Message;
        Assert.StartsWith(P("run/iter_900/config.json") + ": field 'metrics' missing", message);
        Assert.Contains("This is not an eval result: `eval report` reads the files written by `tsumugi eval", message);
        File.WriteAllText(P("notes.json"), "not json");
        Assert.Contains("not a JSON eval result", Assert.Throws<InvalidDataException>(() => EvalResultFinder.Find([P("notes.json")])).Message);
        Directory.CreateDirectory(P("empty"));
        File.WriteAllText(P("empty/config.json"), "{}");
        Assert.Contains("no eval result files", Assert.Throws<FileNotFoundException>(() => EvalResultFinder.Find([P("empty")])).Message);
        Assert.Contains("no such file or directory", Assert.Throws<FileNotFoundException>(() => EvalResultFinder.Find([P("absent")])).Message);
        // A file that starts like a result but is broken is reported, not skipped: a silently missing column misleads.
        File.WriteAllText(P("run/broken.json"), """{"kind": "tasks", "model": "m", "created": "2026-01-01T00:00:00Z", "metrics": {"a": "x"}}""");
        Assert.Contains("metrics.a is not a number", Assert.Throws<InvalidDataException>(() => EvalResultFinder.Find([P("run")])).Message);
    }

    [Fact]
    public void TwoResultsRepeatingAMetricInOneDirectoryBecomeTwoColumnsNamedByFile()
    {
        Result("runs/a.json", "judge", "m", ("mt_bench/overall", 6));
        Result("runs/b.json", "judge", "m", ("mt_bench/overall", 7));
        Result("other/c.json", "judge", "n", ("mt_bench/overall", 7));
        var table = ComparisonTable.Build(EvalResultFinder.Find([P("runs"), P("other")]));
        Assert.Equal(["m (a.json)", "m (b.json)", "n"], table.Columns.Select(c => c.Label));
        Assert.Equal([1, 2], table.Rows.Single().Best);
        Assert.Single(EvalResultFinder.Find([P("runs/a.json"), P("runs"), P("runs/a.json")]), f => f.Path.EndsWith("a.json", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ppl/ja", Better.Lower)]
    [InlineData("wikipedia/bits_per_byte", Better.Lower)]
    [InlineData("mt_bench/failures/judge_timeout", Better.Lower)]
    [InlineData("train/loss", Better.Lower)]
    [InlineData("jcommonsenseqa/acc", Better.Higher)]
    [InlineData("mt_bench/overall", Better.Higher)]
    [InlineData("jsquad/char_f1", Better.Higher)]
    [InlineData("mt_bench/judged", Better.None)]
    [InlineData("ppl/ja/tokens", Better.None)]
    public void DirectionFollowsTheDocumentedRule(string metric, Better expected) => Assert.Equal(expected, MetricDirection.For(metric));

    [Fact]
    public void NaturalOrderComparesDigitRunsAsNumbers()
    {
        string[] paths = ["iter_1000", "iter_900", "iter_0950", "iter_90", "final", "iter_900b"];
        Assert.Equal(["final", "iter_90", "iter_900", "iter_900b", "iter_0950", "iter_1000"], paths.Order(NaturalPathComparer.Instance));
        Assert.Equal(["1.5", "12", "0.3333", "123.46", "-2", "NaN", ""], new double?[] { 1.5, 12, 1 / 3.0, 123.456, -2, double.NaN, null }.Select(ReportNumber.Format));
    }
}
