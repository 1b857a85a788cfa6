using System.Net;
using Tsumugi.Evaluation.Arena;
using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Tests.Arena;

public sealed class VoteServerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-vote-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly IReadOnlyList<MtBenchQuestion> Questions = [new("1", "writing", ["猫の詩を書いて", "短くして"], null), new("2", "stem", ["水とは？"], null)];

    static Dictionary<string, ModelAnswers> Answers(params string[] models) => models.ToDictionary(m => m, m => new ModelAnswers(m, m,
        Questions.ToDictionary(q => q.QuestionId, q => (IReadOnlyList<string>)q.Turns.Select((_, t) => $"{m}の回答{q.QuestionId}-{t + 1}").ToList())));

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void PlanCoversEveryQuestionAndPairAndDrawsSidesFromTheSeed()
    {
        var plan = VoteMatchup.Plan(Questions, Answers("m1", "m2", "m3"), [("m1", "m2"), ("m1", "m3"), ("m2", "m3")], seed: 3);
        Assert.Equal(6, plan.Count);
        Assert.Equal(6, plan.Select(m => (m.Question.QuestionId, string.Join(",", new[] { m.ShownA, m.ShownB }.Order()))).Distinct().Count());
        Assert.Equal(plan.Select(m => (m.ShownA, m.Question.QuestionId)), VoteMatchup.Plan(Questions, Answers("m1", "m2", "m3"), [("m1", "m2"), ("m1", "m3"), ("m2", "m3")], seed: 3).Select(m => (m.ShownA, m.Question.QuestionId)));
        Assert.Contains(plan, m => m.ShownA == "m2"); // sides vary: not always the pair's first model as A
        Assert.Contains(plan, m => m.ShownA == "m1");
    }

    [Fact]
    public async Task ThePageShowsTheAnswersAnonymouslyAndAPostedVoteIsAppendedAsABattle()
    {
        var votes = Path.Combine(_dir, "votes.jsonl");
        var plan = VoteMatchup.Plan(Questions, Answers("secret-model-x", "secret-model-y"), [("secret-model-x", "secret-model-y")], seed: 1);
        await using var server = new VoteServer(plan, votes, FreePort());
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };

        var page = await http.GetStringAsync("/");
        var first = plan[0];
        Assert.Contains(WebUtility.HtmlEncode(first.Question.Turns[0]), page);
        Assert.Contains(first.AnswersA[0], page);
        Assert.Contains(first.AnswersB[0], page);
        Assert.True(page.IndexOf(first.AnswersA[0], StringComparison.Ordinal) < page.IndexOf(first.AnswersB[0], StringComparison.Ordinal));
        Assert.DoesNotContain("secret-model-", page.Replace(first.AnswersA[0], "").Replace(first.AnswersB[0], "").Replace(first.AnswersA.Last(), "").Replace(first.AnswersB.Last(), ""));

        var response = await http.PostAsync("/vote", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "0", ["choice"] = "B" }));
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString()); // redirected to the next matchup
        Assert.Contains(plan[1].AnswersA[0], await response.Content.ReadAsStringAsync());
        await http.PostAsync("/vote", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "1", ["choice"] = "bothbad" }));

        Assert.Equal([new Battle(first.ShownA, first.ShownB, Battle.WinnerB, first.Question.QuestionId, null, "human"),
            new Battle(plan[1].ShownA, plan[1].ShownB, Battle.TieBothBad, plan[1].Question.QuestionId, null, "human")], BattleFile.Read(votes));
        Assert.Equal(2, server.Votes);

        var bad = await http.PostAsync("/vote", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "0", ["choice"] = "C" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("vote 'C' is not one of A, B, tie, bothbad", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/vote", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "9", ["choice"] = "A" }))).StatusCode);
        Assert.Equal(2, BattleFile.Read(votes).Count);
    }
}
