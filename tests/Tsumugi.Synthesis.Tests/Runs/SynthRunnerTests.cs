using System.Text.Json.Nodes;
using Tsumugi.Synthesis.Endpoints;
using static Tsumugi.Synthesis.Tests.Runs.SynthSetup;

namespace Tsumugi.Synthesis.Tests.Runs;

public sealed class SynthRunnerTests
{
    const string Regenerate = """
        recipe: regenerate
        input: { paths: [seeds.jsonl], id_field: id }
        regenerate: { system: あなたは助手です。, prompt: "{instruction}" }
        gates: [ { length: { min_chars: 2, max_chars: 4000 } }, refusal, { minhash: { threshold: 0.9 } } ]
        """;

    static async Task<SynthOutcome> Run(string config, string output, CancellationToken ct = default) =>
        await new SynthRunner(Load(config), output).RunAsync(null, ct);

    [Fact]
    public async Task EveryInputIsAnsweredOnceThroughFaultsAndRecordsKeepInputOrder()
    {
        using var dir = new TempDirectory();
        var questions = Questions(30);
        WriteInputs(dir, questions);
        await using var server = await FaultyChatServer.StartAsync(Answer, ChatFault.Random(3, 0.3, TimeSpan.FromSeconds(5)));
        var outcome = await Run(WriteConfig(dir, server.BaseUrl, Regenerate), dir.File("out"));

        Assert.Equal((30, 0, 0), (outcome.Accepted, outcome.Rejected, outcome.Failed));
        var records = Records(dir.File("out")).Select(r => JsonNode.Parse(r)!).ToList();
        Assert.Equal(questions, records.Select(r => (string)r["messages"]![1]!["content"]!));
        Assert.All(records, r => Assert.Equal(Answer([("user", (string)r["messages"]![1]!["content"]!)]), (string)r["messages"]![2]!["content"]!));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"q{i:D3}"), records.Select(r => (string)r["meta"]!["key"]!));
        Assert.Equal(6, Directory.GetFiles(dir.File("out/records")).Length); // shard_records 5
        var tally = outcome.Endpoints["local"];
        Assert.True(tally.Retries > 0, "the fault plan should have forced retries");
        Assert.Equal(server.Posts, tally.Requests);
    }

    [Fact]
    public async Task ACancelledRunResumesToTheUninterruptedOutputWithoutAskingAgain()
    {
        using var dir = new TempDirectory();
        WriteInputs(dir, Questions(24));
        await using var steady = await FaultyChatServer.StartAsync(Answer);
        var config = WriteConfig(dir, steady.BaseUrl, Regenerate);
        await Run(config, dir.File("whole"));

        await using var slow = await FaultyChatServer.StartAsync(Answer, _ => ChatFault.Slow(TimeSpan.FromMilliseconds(150)));
        config = WriteConfig(dir, slow.BaseUrl, Regenerate);
        using (var cancel = new CancellationTokenSource())
        {
            // Cancelled from outside (as Ctrl-C does) once a few outcomes are committed, wherever the other requests are.
            var stopAfterFive = new Inline<SynthProgress>(p => { if (p.Accepted >= 5) _ = Task.Run(cancel.Cancel); });
            var first = await new SynthRunner(Load(config), dir.File("parts")).RunAsync(stopAfterFive, cancel.Token);
            Assert.True(first.Cancelled);
            Assert.InRange(first.Accepted, 5, 23);
        }
        // A request the cancellation cut off can still reach the server after RunAsync returned: count the first run's
        // requests once they have stopped arriving, or a late one would be charged to the second run.
        int askedBefore = await SettledPosts(slow);
        var second = await new SynthRunner(Load(config), dir.File("parts")).RunAsync(null, default);

        Assert.Equal(Records(dir.File("whole")), Records(dir.File("parts")));
        Assert.Equal(24, second.DoneBefore + second.Accepted);
        // Answers the first run received are not asked for again (those not yet committed are replayed from the cache); only
        // the requests in flight at the cancellation — at most the concurrency, 4 — can have been delivered twice.
        Assert.Equal(24, slow.Delivered.Count);
        Assert.InRange(slow.Delivered.Values.Count(answers => answers.Count > 1), 0, 4);
        Assert.All(slow.Delivered.Values, answers => Assert.InRange(answers.Count, 1, 2));
        Assert.True(slow.Posts - askedBefore <= 24 - second.DoneBefore);
    }

    static async Task<int> SettledPosts(FaultyChatServer server)
    {
        int last;
        do
        {
            last = server.Posts;
            await Task.Delay(300);
        } while (server.Posts != last);
        return last;
    }

    [Fact]
    public async Task GatesRejectRefusalsAndDuplicatePromptsKeepingEachAsideWithItsReason()
    {
        using var dir = new TempDirectory();
        var questions = Questions(6).ToList();
        questions.Insert(3, questions[1]); // the same prompt twice: asked once, kept once
        WriteInputs(dir, questions);
        await using var server = await FaultyChatServer.StartAsync(m =>
            m.Last().Content.Contains("質問4番", StringComparison.Ordinal) ? "申し訳ありませんが、その質問にはお答えできません。" : Answer(m));
        var outcome = await Run(WriteConfig(dir, server.BaseUrl, Regenerate), dir.File("out"));

        Assert.Equal((5, 2), (outcome.Accepted, outcome.Rejected));
        Assert.Equal(new Dictionary<string, int> { ["minhash"] = 1, ["refusal"] = 1 }, outcome.RejectedBy.OrderBy(p => p.Key).ToDictionary());
        var rejected = Rejected(dir.File("out"));
        Assert.Contains(rejected, r => ((string)r["reason"]!).StartsWith("minhash: prompt: a near-duplicate of q001", StringComparison.Ordinal) && (string)r["record"]!["meta"]!["key"]! == "q003");
        Assert.Contains(rejected, r => ((string)r["reason"]!).StartsWith("refusal: answer:", StringComparison.Ordinal));
        Assert.Equal(6, server.Posts); // seven items, six distinct requests: the duplicate came from the cache
        Assert.Equal(1, outcome.Replayed);
    }

    [Fact]
    public async Task PairsTakeTheBestAndWorstJudgedSampleAndTheJudgeGateFiltersSftRecords()
    {
        using var dir = new TempDirectory();
        WriteInputs(dir, Questions(5));
        await using var server = await FaultyChatServer.StartAsync(Answer);
        var pairs = await Run(WriteConfig(dir, server.BaseUrl, """
            recipe: pairs
            input: { paths: [seeds.jsonl], id_field: id }
            pairs: { samples: 4, min_margin: 0 }
            """), dir.File("pairs"));
        Assert.Equal(5, pairs.Accepted + pairs.Rejected);
        foreach (var record in Records(dir.File("pairs")).Select(r => JsonNode.Parse(r)!))
        {
            var scores = record["meta"]!["scores"]!.AsArray().Select(s => (double)s!).ToList();
            Assert.Equal(scores.Max(), (double)record["meta"]!["chosen_score"]!);
            Assert.Equal(scores.Min(), (double)record["meta"]!["rejected_score"]!);
            Assert.Equal("assistant", (string)record["chosen"]![0]!["role"]!);
        }

        var gated = await Run(WriteConfig(dir, server.BaseUrl, """
            recipe: regenerate
            input: { paths: [seeds.jsonl], id_field: id }
            gates: [ { judge: { min_score: 6 } } ]
            """), dir.File("judged"));
        var kept = Records(dir.File("judged")).Select(r => JsonNode.Parse(r)!).ToList();
        Assert.All(kept, r => Assert.True((double)r["meta"]!["judge_score"]! >= 6));
        Assert.All(Rejected(dir.File("judged")), r => Assert.StartsWith("judge: score", (string)r["reason"]!, StringComparison.Ordinal));
        Assert.Equal(5, kept.Count + gated.Rejected);
    }

    [Fact]
    public async Task ARequestTheEndpointRefusesRejectsItsItemOnceAndResumeDoesNotAskAgain()
    {
        using var dir = new TempDirectory();
        WriteInputs(dir, Questions(6));
        await using var server = await FaultyChatServer.StartAsync(Answer, ordinal => ordinal == 2 ? ChatFault.ServerError(400) : ChatFault.None);
        var config = WriteConfig(dir, server.BaseUrl, Regenerate);
        var outcome = await Run(config, dir.File("out"));
        Assert.Equal((5, 1, 0), (outcome.Accepted, outcome.Rejected, outcome.Failed));
        Assert.Equal(new Dictionary<string, int> { ["endpoint"] = 1 }, outcome.RejectedBy);
        var refused = Assert.Single(Rejected(dir.File("out")));
        Assert.StartsWith("endpoint: endpoint 'local': HTTP 400", (string)refused["reason"]!, StringComparison.Ordinal);
        Assert.Equal(6, server.Posts); // a 400 is not retried

        var again = await Run(config, dir.File("out"));
        Assert.Equal((6, 0), (again.DoneBefore, again.Accepted));
        Assert.Equal(6, server.Posts);
    }

    [Fact]
    public async Task AnItemThatKeepsFailingIsLeftForResumeAndARejectedKeyStopsTheRun()
    {
        using var dir = new TempDirectory();
        WriteInputs(dir, Questions(6));
        bool broken = true;
        await using var server = await FaultyChatServer.StartAsync(m => m.Last().Content.Contains("質問2番", StringComparison.Ordinal) && broken ? throw new InvalidOperationException("boom") : Answer(m));
        var config = WriteConfig(dir, server.BaseUrl, Regenerate);
        File.WriteAllText(config, File.ReadAllText(config).Replace("retries: 20", "retries: 1", StringComparison.Ordinal));
        var first = await Run(config, dir.File("out"));
        Assert.Equal((5, 1), (first.Accepted, first.Failed));
        Assert.Contains("q002", first.Failures[0], StringComparison.Ordinal);
        broken = false;
        var second = await Run(config, dir.File("out"));
        Assert.Equal((5, 1, 0), (second.DoneBefore, second.Accepted, second.Failed));
        Assert.Equal(6, Records(dir.File("out")).Count);

        await using var locked = await FaultyChatServer.StartAsync(Answer, apiKey: "secret");
        var denied = WriteConfig(dir, locked.BaseUrl, Regenerate);
        var e = await Assert.ThrowsAsync<EndpointException>(() => Run(denied, dir.File("denied")));
        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, locked.Posts); // the preflight (GET /models) caught it before any completion request
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; posts to the pool, too late to stop at a count).</summary>
    sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
