using System.Net;
using System.Text.Json.Nodes;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class EvalArenaCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-eval-arena-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    const string Questions = """
        {"question_id": 1, "category": "writing", "turns": ["詩を書いて", "短くして"]}
        {"question_id": 2, "category": "math", "turns": ["1+1は？"]}
        """;

    /// <summary>FastChat model_answer files, answers tagged with the model's name so the stub judge can rank them.</summary>
    string[] AnswerFiles(params string[] models)
    {
        Directory.CreateDirectory(Sub("answers"));
        return models.Select(m =>
        {
            var path = Sub($"answers/{m}.jsonl");
            File.WriteAllLines(path, [
                $$"""{"question_id": 1, "model_id": "{{m}}", "choices": [{"index": 0, "turns": ["<{{m}}> 詩", "<{{m}}> 短い詩"]}]}""",
                $$"""{"question_id": 2, "model_id": "{{m}}", "choices": [{"index": 0, "turns": ["<{{m}}> 2"]}]}""",
            ]);
            return path;
        }).ToArray();
    }

    /// <summary>Prefers the model ranked first in <paramref name="ranking"/> whichever side it is shown on.</summary>
    static (int, string) Ranking(string user, params string[] ranking)
    {
        int b = user.IndexOf("アシスタントBの", StringComparison.Ordinal);
        var shownA = ranking.First(m => user.IndexOf($"<{m}>", StringComparison.Ordinal) is var i && i >= 0 && i < b);
        var shownB = ranking.First(m => user.IndexOf($"<{m}>", b, StringComparison.Ordinal) >= 0);
        return (200, Array.IndexOf(ranking, shownA) < Array.IndexOf(ranking, shownB) ? "[[A]]" : "[[B]]");
    }

    [Fact]
    public async Task ArenaJudgeComparesAllPairsInBothOrdersThenRateRanksThem()
    {
        File.WriteAllText(Sub("q.jsonl"), Questions);
        var files = AnswerFiles("small", "large", "medium");
        await using var judge = await JudgingStubServer.StartAsync(user => Ranking(user, "large", "medium", "small"));
        var run = CliRunner.Run(["eval", "arena", "judge", "--questions", Sub("q.jsonl"), "--answers", .. files, "--judge-url", judge.BaseUrl,
            "--judge-model", "pair-judge", "--concurrency", "3", "--battles", Sub("out/battles.jsonl"), "--output", Sub("out/pairwise.json")]);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Equal(3 * 3 * 2, judge.Requests.Count); // 3 pairs × 3 (question, turn) × 2 orders
        Assert.InRange(judge.MaxInFlight, 1, 3);
        var lines = run.Out.Split('\n');
        Assert.Matches(@"^large\s+6\s+0\s+0\s+1\.0000\s+0\.0000\s+1\.0000\s+1\.0000\s+1\.0000$", lines[1]);
        Assert.Matches(@"^medium\s+3\s+3\s+0\s+0\.5000", lines[2]);
        Assert.Matches(@"^small\s+0\s+6\s+0\s+0\.0000", lines[3]);
        Assert.Contains("matches 9 counted, 0 failed (), judge answers without a verdict: 0", run.Out);
        Assert.Equal(9, File.ReadAllLines(Sub("out/battles.jsonl")).Length);
        var result = JsonNode.Parse(File.ReadAllText(Sub("out/pairwise.json")))!;
        Assert.Equal("pairwise-all", result["mode"]!.GetValue<string>());
        var first = result["judgments"]![0]!;
        Assert.Equal(("small", "large", "model_2", "pair-v2"), (first["model1"]!.GetValue<string>(), first["model2"]!.GetValue<string>(),
            first["winner"]!.GetValue<string>(), first["judge_prompt_name"]!.GetValue<string>()));

        var rate = CliRunner.Run("eval", "arena", "rate", "--battles", Sub("out/battles.jsonl"), "--bootstrap", "50", "--seed", "3", "--output", Sub("out/board.json"));
        Assert.True(rate.ExitCode == 0, rate.Err);
        var rows = rate.Out.Split('\n');
        Assert.Matches(@"^\s+1\s+large\s", rows[1]);
        Assert.Matches(@"^\s+2\s+medium\s+1000\.0\s", rows[2]); // symmetric results: the middle model sits at INIT
        Assert.Matches(@"^\s+3\s+small\s", rows[3]);
        var board = JsonNode.Parse(File.ReadAllText(Sub("out/board.json")))!;
        Assert.Equal(9, board["battles"]!.GetValue<int>());
        Assert.Equal(50, board["models"]![0]!["rating_ci"]!["rounds"]!.GetValue<int>());
        Assert.Equal(rate.Out, CliRunner.Run("eval", "arena", "rate", "--battles", Sub("out/battles.jsonl"), "--bootstrap", "50", "--seed", "3").Out); // seeded

        // Baseline mode: only pairs with the baseline, whose own row is left out.
        var baseline = CliRunner.Run(["eval", "arena", "judge", "--questions", Sub("q.jsonl"), "--answers", .. files, "--judge-url", judge.BaseUrl,
            "--judge-model", "pair-judge", "--baseline", "medium"]);
        Assert.True(baseline.ExitCode == 0, baseline.Err);
        Assert.DoesNotMatch(@"(?m)^medium\s", baseline.Out);
        Assert.Matches(@"(?m)^large\s+3\s+0\s+0\s", baseline.Out);
    }

    [Fact]
    public async Task ArenaVoteServesThePageAndRecordsAPostedVote()
    {
        File.WriteAllText(Sub("q.jsonl"), Questions);
        var files = AnswerFiles("m1", "m2");
        int port = FreePort();
        var run = Task.Run(() => CliRunner.Run(["eval", "arena", "vote", "--questions", Sub("q.jsonl"), "--answers", .. files,
            "--votes", Sub("votes.jsonl"), "--port", port.ToString(), "--max-votes", "1"]));
        // No redirect following: the vote that reaches --max-votes stops the server, so the page after it is never served.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        string page = "";
        for (int attempt = 0; attempt < 100 && page.Length == 0 && !run.IsCompleted; attempt++)
        {
            try { page = await http.GetStringAsync("/"); }
            catch (HttpRequestException) { await Task.Delay(100); }
        }
        Assert.Contains("<form method=\"post\" action=\"/vote\">", page);
        var id = System.Text.RegularExpressions.Regex.Match(page, "name=\"id\" value=\"(\\d+)\"").Groups[1].Value;
        var posted = await http.PostAsync("/vote", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = id, ["choice"] = "tie" }));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var (exitCode, output, err) = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, err);
        Assert.Contains("votes 1", output);
        var vote = JsonNode.Parse(Assert.Single(File.ReadAllLines(Sub("votes.jsonl"))))!;
        Assert.Equal(("tie", "human"), (vote["winner"]!.GetValue<string>(), vote["judge"]!.GetValue<string>()));
        Assert.Equal(["m1", "m2"], new[] { vote["model_a"]!.GetValue<string>(), vote["model_b"]!.GetValue<string>() }.Order());
    }

    [Fact]
    public void BadInputFailsWithOneClearLine()
    {
        File.WriteAllText(Sub("q.jsonl"), Questions);
        var files = AnswerFiles("m1", "m2");
        string[] judge = ["eval", "arena", "judge", "--questions", Sub("q.jsonl"), "--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j"];
        Assert.StartsWith("error: --answers: give at least two models' answer files (got 1).", CliRunner.Run([.. judge, "--answers", files[0]]).Err);
        Assert.StartsWith("error: baseline 'm3' is not one of the models (m1, m2)", CliRunner.Run([.. judge, "--answers", .. files, "--baseline", "m3"]).Err);
        File.WriteAllText(files[1], """{"question_id": 1, "choices": [{"index": 0, "turns": ["a", "b"]}]}""");
        var missing = CliRunner.Run([.. judge, "--answers", .. files]);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith($"error: {files[1]}: no answer for question_id 2; answer every question in the question file.", missing.Err);

        File.WriteAllText(Sub("b.jsonl"), """{"model_a": "x", "model_b": "y", "winner": "x"}""");
        var rate = CliRunner.Run("eval", "arena", "rate", "--battles", Sub("b.jsonl"));
        Assert.Equal(1, rate.ExitCode);
        Assert.StartsWith($"error: {Sub("b.jsonl")}:1: field 'winner' is 'x'; expected one of 'model_a', 'model_b', 'tie', 'tie (bothbad)'.", rate.Err);
        Assert.Equal(2, CliRunner.Run("eval", "arena", "rate").ExitCode);
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
