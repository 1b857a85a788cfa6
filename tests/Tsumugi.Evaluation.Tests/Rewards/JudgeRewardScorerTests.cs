using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Evaluation.Judging;
using Tsumugi.Evaluation.Rewards;
using Tsumugi.Serving.Server;

namespace Tsumugi.Evaluation.Tests.Rewards;

/// <summary>
/// The judge scorer over real HTTP against the judge tests' stub (<see cref="JudgingStubServer"/>): verdicts, verdict-less
/// and failing replies retried until they succeed or run out, the concurrency limit, timeouts, tokens and cost; and
/// against Tsumugi's own server.
/// </summary>
public sealed class JudgeRewardScorerTests
{
    static JudgeSettings Settings(string url, int retries = 2, int concurrency = 4, double timeoutSeconds = 30) => new()
    {
        Url = url, Model = "judge-x", ApiKey = "sk-test", Retries = retries, Concurrency = concurrency,
        Timeout = TimeSpan.FromSeconds(timeoutSeconds), RetryDelay = TimeSpan.FromMilliseconds(10), MaxTokens = 512,
    };

    static RewardRequest R(string id, string response, string? reference = null) => new(id, $"質問 {id}", response, reference);

    [Fact]
    public async Task VerdictsAreScoresAndGarbageOr500RepliesAreRetriedThenReportedAsFailures()
    {
        var calls = new ConcurrentDictionary<string, int>();
        await using var stub = await JudgingStubServer.StartAsync(user =>
        {
            string marker = new[] { "GOOD", "FLAKY", "GARBAGE", "DOWN" }.First(m => user.Contains(m, StringComparison.Ordinal));
            int n = calls.AddOrUpdate(marker, 1, (_, c) => c + 1);
            return (marker, n) switch
            {
                ("GOOD", _) => (200, "丁寧で正確です。評価：[[7]]"),
                ("FLAKY", 1) => (500, ""),
                ("FLAKY", 2) => (200, "よい回答だと思います。"),
                ("FLAKY", _) => (200, "評価：[[4]]"),
                ("GARBAGE", _) => (200, "よい回答だと思います。"),
                _ => (500, ""),
            };
        });
        var scorer = new JudgeRewardScorer(Settings(stub.BaseUrl), pricing: new RewardPricing(2.5, 10));

        var scores = await scorer.ScoreAsync([R("a", "GOOD 東京です"), R("b", "FLAKY 答え", "2"), R("c", "GARBAGE 答え"), R("d", "DOWN 答え")]);

        Assert.Equal([7, 4, null, null], scores.Select(s => s.Value));
        Assert.Equal(["a", "b", "c", "d"], scores.Select(s => s.Id));
        Assert.Equal((1, 3, 3, 3), (calls["GOOD"], calls["FLAKY"], calls["GARBAGE"], calls["DOWN"])); // 1 try + 2 retries
        Assert.Equal(RewardFailureKinds.NoVerdict, scores[2].Failure!.Kind);
        Assert.Equal("the judge's answer has no [[score]] (3 attempts); last answer: 'よい回答だと思います。'", scores[2].Failure!.Message);
        Assert.Equal(RewardFailureKinds.JudgeError, scores[3].Failure!.Kind);
        Assert.Contains("HTTP 500", scores[3].Failure!.Message);

        var t = scorer.Tally;
        Assert.Equal("judge:judge-x", t.Scorer);
        Assert.Equal((4, 2, 2, 6), (t.Requests, t.Scored, t.Failed, t.Retries));
        Assert.Equal(new Dictionary<string, long> { ["judge_error"] = 1, ["no_verdict"] = 1 }, t.FailedByKind);
        // The stub reports 10 prompt + 5 completion tokens per answered request: GOOD 1, FLAKY 2, GARBAGE 3 (500s report none).
        Assert.Equal((60, 30), (t.PromptTokens, t.CompletionTokens));
        Assert.Equal((60 * 2.5 + 30 * 10) / 1e6, t.Cost, 15);
        Assert.Equal("reward judge:judge-x: 4 requests, 2 scored, 2 failed (judge_error 1, no_verdict 1), 6 retries, "
            + "60 prompt + 30 completion tokens, cost 0.0005", t.SummaryLine());

        // What the judge was sent: the default template, with the reference block only where the request has one.
        Assert.All(stub.Requests, r =>
        {
            Assert.Equal("judge-x", r.Model);
            Assert.Equal("Bearer sk-test", r.Authorization);
            Assert.Equal(0, r.Body["temperature"]!.GetValue<double>());
            Assert.Equal(512, r.Body["max_completion_tokens"]!.GetValue<int>());
            Assert.Equal(JudgePrompts.System, r.System);
            Assert.Contains("[[評価]]", r.User);
        });
        var good = Assert.Single(stub.RequestsContaining("GOOD"));
        Assert.Contains("[質問]\n質問 a\n\n[アシスタントの回答の開始]\nGOOD 東京です\n[アシスタントの回答の終了]", good.User);
        Assert.DoesNotContain("参照回答", good.User);
        Assert.Contains("[参照回答の開始]\n2\n[参照回答の終了]", stub.RequestsContaining("FLAKY")[0].User);
    }

    [Fact]
    public async Task NoMoreRequestsAreInFlightThanMaxConcurrency()
    {
        await using var stub = await JudgingStubServer.StartAsync(new JudgingStubServer.Rule("SLOW", "評価：[[5]]", Sleep: TimeSpan.FromMilliseconds(400)));
        var scorer = new JudgeRewardScorer(Settings(stub.BaseUrl, concurrency: 3));
        var scores = await scorer.ScoreAsync(Enumerable.Range(0, 12).Select(i => R($"{i}", $"SLOW {i}")).ToList());
        Assert.All(scores, s => Assert.Equal(5, s.Value));
        Assert.Equal(12, stub.Requests.Count);
        Assert.Equal(3, stub.MaxInFlight); // the limit is reached (requests overlap) and never exceeded
    }

    [Fact]
    public async Task AJudgeThatNeverAnswersTimesOutEachAttemptAndTheItemFails()
    {
        await using var stub = await JudgingStubServer.StartAsync(new JudgingStubServer.Rule("SLEEPY", "評価：[[9]]", Sleep: TimeSpan.FromSeconds(30)));
        var scorer = new JudgeRewardScorer(Settings(stub.BaseUrl, retries: 1, timeoutSeconds: 1));
        var clock = Stopwatch.StartNew();
        var score = Assert.Single(await scorer.ScoreAsync([R("z", "SLEEPY")]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(RewardFailureKinds.JudgeTimeout, score.Failure!.Kind);
        Assert.Equal("no answer within 1 s (2 attempts)", score.Failure.Message);
        Assert.Equal((1, 1), (scorer.Tally.Retries, stub.Requests.Count - 1)); // two requests: one retry
    }

    [Fact]
    public async Task ACustomTemplateIsFilledInOnePassAndARequestLackingItsReferenceIsNotSent()
    {
        await using var stub = await JudgingStubServer.StartAsync(_ => (200, "[[3]]"));
        var template = new JudgeRewardTemplate("問：{prompt}\n模範解答：{reference}\n回答：{response}\n1〜5で [[N]] の形式で採点");
        var scorer = new JudgeRewardScorer(Settings(stub.BaseUrl), template);
        var scores = await scorer.ScoreAsync([R("a", "答えは {reference} です", "42"), R("b", "答え", null)]);
        Assert.Equal(3, scores[0].Value);
        Assert.Equal(RewardFailureKinds.NoReference, scores[1].Failure!.Kind);
        var sent = Assert.Single(stub.Requests).User;
        Assert.Equal("問：質問 a\n模範解答：42\n回答：答えは {reference} です\n1〜5で [[N]] の形式で採点", sent);
        Assert.Equal(new Dictionary<string, long> { ["no_reference"] = 1 }, scorer.Tally.FailedByKind);
        Assert.Contains("{response}", Assert.Throws<ArgumentException>(() => new JudgeRewardTemplate("{prompt} を採点")).Message);
    }

    [Fact]
    public async Task TallyFileHoldsTheCountsTokensAndCost()
    {
        var tally = new RewardTally("judge:m", new RewardPricing(1, 4));
        tally.Record(RewardScore.Of("a", 5), retries: 1, promptTokens: 1_000_000, completionTokens: 500_000);
        tally.Record(RewardScore.Failed("b", "judge_timeout", "slow"), retries: 2);
        using var dir = new TempDirectory("tsumugi-reward-tally");
        tally.Write(dir.File("rewards.json"));
        var json = JsonNode.Parse(File.ReadAllText(dir.File("rewards.json")))!;
        Assert.Equal(("judge:m", 2, 1, 1, 3), (json["scorer"]!.GetValue<string>(), json["requests"]!.GetValue<long>(),
            json["scored"]!.GetValue<long>(), json["failed"]!.GetValue<long>(), json["retries"]!.GetValue<long>()));
        Assert.Equal(1, json["failures"]!["judge_timeout"]!.GetValue<long>());
        Assert.Equal((1_000_000, 500_000), (json["prompt_tokens"]!.GetValue<long>(), json["completion_tokens"]!.GetValue<long>()));
        Assert.Equal(1 + 0.5 * 4, json["cost"]!.GetValue<double>(), 12);
        Assert.Equal(["rewards.json"], dir.Names()); // written atomically: no temporary left behind
    }

    [Fact]
    public async Task TsumugisOwnServerCanBeTheJudgeAndReportsTokens()
    {
        using var model = new JudgingTinyModel();
        using var served = model.Load("tiny-judge");
        await using var server = new OpenAiServer(served, new ServerOptions { Host = "127.0.0.1", Port = 0, ApiKey = "k", MaxQueue = 8 });
        await server.StartAsync();
        var scorer = new JudgeRewardScorer(new JudgeSettings { Url = server.BaseUrl + "/v1", Model = "tiny-judge", ApiKey = "k", MaxTokens = 4, Retries = 0, Timeout = TimeSpan.FromSeconds(60) });

        var scores = await scorer.ScoreAsync([R("a", "東京は首都です。"), R("b", "答え")]);

        // A random-weight judge rarely writes [[N]]: whatever it says, every item ends as a score or a no_verdict failure.
        Assert.All(scores, s => Assert.True(s.Value is not null || s.Failure!.Kind == RewardFailureKinds.NoVerdict, s.Failure?.Message));
        Assert.Equal(2, scorer.Tally.Requests);
        Assert.True(scorer.Tally.PromptTokens > 100, $"{scorer.Tally.PromptTokens} prompt tokens"); // the template alone is longer
        Assert.InRange(scorer.Tally.CompletionTokens, 1, 8); // at most max_tokens per request
    }
}
