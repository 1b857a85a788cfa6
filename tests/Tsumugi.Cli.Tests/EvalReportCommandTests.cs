using Tsumugi.Evaluation;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class EvalReportCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-eval-report-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    void Result(string file, string kind, string model, params (string, double)[] metrics) =>
        new EvalSummary(kind, model, DateTimeOffset.UnixEpoch, metrics.ToDictionary(m => m.Item1, m => m.Item2)).Write(Sub(file), null);

    [Fact]
    public void PrintsTheMarkdownTableAndWritesMarkdownHtmlAndJson()
    {
        Result("run/step2/ppl.json", "perplexity", "run", ("ppl/ja", 9.5));
        Result("run/step10/ppl.json", "perplexity", "run", ("ppl/ja", 8.25));
        Result("run/step10/judge.json", "judge", "run", ("mt_bench/overall", 4));
        Result("base.json", "judge", "baseline", ("mt_bench/overall", 6));
        var run = CliRunner.Run("eval", "report", Sub("run"), Sub("base.json"), "--output", Sub("out/r.md"), "--html", Sub("out/r.html"), "--json", Sub("out/r.json"));
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("| kind | metric | run (step2) | run (step10) | baseline |", run.Out);
        Assert.Contains("| perplexity | ppl/ja | 9.5 | **8.25** |  |", run.Out);
        Assert.Contains("| judge | mt_bench/overall |  | 4 | **6** |", run.Out);
        Assert.Equal(run.Out, File.ReadAllText(Sub("out/r.md")));
        Assert.Contains("<td class=\"num best\">8.25</td>", File.ReadAllText(Sub("out/r.html")));
        Assert.Contains("\"metric\": \"ppl/ja\"", File.ReadAllText(Sub("out/r.json")));
        Assert.Contains("[4 result files, 3 columns, 2 metrics]", run.Err);
    }

    [Fact]
    public void ANonEvalFileIsOneClearErrorAndNoPathIsAUsageError()
    {
        File.WriteAllText(Sub("config.json"), """{"hidden_size": 64}""");
        var bad = CliRunner.Run("eval", "report", Sub("config.json"));
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith($"error: {Sub("config.json")}: field 'metrics' missing", bad.Err);
        Assert.Contains("This is not an eval result", bad.Err);
        Assert.Equal(2, CliRunner.Run("eval", "report").ExitCode);
    }
}
