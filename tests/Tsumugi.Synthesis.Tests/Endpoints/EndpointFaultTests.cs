using System.Diagnostics;
using Tsumugi.Synthesis.Endpoints;
using static Tsumugi.Synthesis.Tests.Endpoints.Endpoints;

namespace Tsumugi.Synthesis.Tests.Endpoints;

/// <summary>The client against injected faults: every prompt answered exactly once, and the tally tells what happened.</summary>
public sealed class EndpointFaultTests
{
    [Fact]
    public async Task EveryPromptIsAnsweredExactlyOnceThroughRandomFaultsAndTheTallyCountsEachKind()
    {
        var slow = TimeSpan.FromSeconds(6);
        ChatFault[] firstOfEach = [ChatFault.TooManyRequests(1), ChatFault.ServerError(500), ChatFault.Slow(slow), ChatFault.TruncatedJson, ChatFault.CloseConnection, ChatFault.ServerError(503)];
        var random = ChatFault.Random(seed: 23, rate: 0.3, slow);
        await using var server = await FaultyChatServer.StartAsync(Echo, i => i < firstOfEach.Length ? firstOfEach[i] : random(i));
        var settings = Fast(server.BaseUrl) with { Timeout = TimeSpan.FromSeconds(2), PromptPrice = 1.5, CompletionPrice = 4 };
        using var pool = new EndpointPool([settings]);

        var prompts = Enumerable.Range(0, 40).Select(i => $"質問{i}: 東京の{i}番目の名所は？").ToList();
        var watch = Stopwatch.StartNew();
        var replies = await Task.WhenAll(prompts.Select(p => pool.CompleteAsync("generate", Ask(p), CancellationToken.None)));
        watch.Stop();

        for (int i = 0; i < prompts.Count; i++)
        {
            var expected = Echo([("user", prompts[i])]);
            Assert.Equal(expected, replies[i].Text);
            Assert.Equal(new[] { expected }, server.Delivered[prompts[i]]); // delivered once: no retry after a whole answer
            Assert.Equal("stop", replies[i].FinishReason);
            Assert.Equal(("local", FaultyChatServer.ModelName), (replies[i].Endpoint, replies[i].Model));
        }
        Assert.Equal(prompts.Count, server.Delivered.Count);
        Assert.True(server.MaxInFlight <= settings.Concurrency, $"{server.MaxInFlight} requests in flight with concurrency {settings.Concurrency}");

        var tally = pool.Tallies.Single().Tally.Snapshot();
        Assert.Equal((40L, 0L), (tally.Succeeded, tally.Failed));
        Assert.Equal(tally.Succeeded + tally.Failed + tally.Retries, tally.Requests);
        Assert.Equal(replies.Sum(r => r.Attempts), tally.Requests);
        Assert.Equal(tally.Requests - tally.Succeeded, tally.Failures.Values.Sum());
        Assert.Equal(server.Posts, tally.Requests);
        // Each injected fault shows under its kind, and nothing else failed (no spurious timeouts).
        Assert.Equal(server.Injected(ChatFault.Kinds.TooManyRequests), tally.FailuresOf("http_429"));
        Assert.Equal(server.Injected(ChatFault.Kinds.ServerError), tally.FailuresOf("http_5xx"));
        Assert.Equal(server.Injected(ChatFault.Kinds.Slow), tally.FailuresOf("timeout"));
        Assert.Equal(server.Injected(ChatFault.Kinds.TruncatedJson), tally.FailuresOf("bad_response"));
        Assert.Equal(server.Injected(ChatFault.Kinds.CloseConnection), tally.FailuresOf("connection"));
        foreach (var kind in new[] { "http_429", "http_5xx", "timeout", "bad_response", "connection" })
            Assert.True(tally.FailuresOf(kind) > 0, $"no {kind} failure counted: {string.Join(", ", tally.Failures)}");

        // Usage as the server reports it: characters of the messages / 2 and of the answer; cost from the prices.
        long promptTokens = prompts.Sum(p => ("あなたは助手です。".Length + p.Length) / 2), completionTokens = replies.Sum(r => (long)r.Text.Length);
        Assert.Equal((promptTokens, completionTokens), (tally.PromptTokens, tally.CompletionTokens));
        Assert.Equal((promptTokens * 1.5 + completionTokens * 4) / 1e6, tally.Cost, 1e-12);
        Assert.InRange(tally.Seconds, 0.001, watch.Elapsed.TotalSeconds * settings.Concurrency);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task RetryAfterIsWaitedAndCappedAtBackoffMax()
    {
        await using (var server = await FaultyChatServer.StartAsync(Echo, i => i == 0 ? ChatFault.TooManyRequests(2) : ChatFault.None))
        {
            using var client = new EndpointClient(Fast(server.BaseUrl) with { BackoffMax = TimeSpan.FromSeconds(10) });
            var watch = Stopwatch.StartNew();
            var reply = await client.CompleteAsync(Ask("待って"), CancellationToken.None);
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.98), $"retried after {watch.Elapsed}, before Retry-After: 2"); // timer slack
            Assert.Equal(2, reply.Attempts);
            Assert.Equal(1, client.Tally.Snapshot().FailuresOf("http_429"));
        }
        await using (var server = await FaultyChatServer.StartAsync(Echo, i => i == 0 ? ChatFault.TooManyRequests(120) : ChatFault.None))
        {
            using var client = new EndpointClient(Fast(server.BaseUrl) with { BackoffMax = TimeSpan.FromSeconds(0.5) });
            var watch = Stopwatch.StartNew();
            var reply = await client.CompleteAsync(Ask("待って"), CancellationToken.None);
            Assert.InRange(watch.Elapsed.TotalSeconds, 0.49, 10); // 0.5 s, not 120 s
            Assert.Equal(2, reply.Attempts);
        }
    }

    [Fact]
    public async Task ARejectedKeyFailsAtOnceNamingTheVariable()
    {
        await using var server = await FaultyChatServer.StartAsync(Echo, apiKey: "right-key");
        using var client = new EndpointClient(Fast(server.BaseUrl) with { ApiKey = "wrong-key", KeyVariable = "SYNTH_KEY" });
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.CompleteAsync(Ask("鍵"), CancellationToken.None));
        Assert.Equal("http_4xx", e.Kind);
        Assert.Contains("HTTP 401", e.Message);
        Assert.Contains("$SYNTH_KEY", e.Message);
        Assert.StartsWith("endpoint 'local': ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(1, server.Posts);
        var tally = client.Tally.Snapshot();
        Assert.Equal((1L, 0L, 1L, 0L, 1L), (tally.Requests, tally.Succeeded, tally.Failed, tally.Retries, tally.FailuresOf("http_4xx")));

        var check = await Assert.ThrowsAsync<EndpointException>(() => client.CheckAsync(CancellationToken.None));
        Assert.Contains("the API key from $SYNTH_KEY was rejected", check.Message);
        using var right = new EndpointClient(Fast(server.BaseUrl) with { ApiKey = "right-key" });
        await right.CheckAsync(CancellationToken.None);
        Assert.Equal(Echo([("user", "鍵")]), (await right.CompleteAsync(Ask("鍵"), CancellationToken.None)).Text);
    }

    [Fact]
    public async Task ServerErrorsAreRetriedUntilTheRetriesRunOut()
    {
        await using var server = await FaultyChatServer.StartAsync(Echo, _ => ChatFault.ServerError(500));
        using var client = new EndpointClient(Fast(server.BaseUrl) with { Retries = 2 });
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.CompleteAsync(Ask("壊れた"), CancellationToken.None));
        Assert.Equal("http_5xx", e.Kind);
        Assert.Contains("HTTP 500", e.Message);
        Assert.Contains("after 3 attempt(s)", e.Message);
        Assert.Equal(3, server.Posts);
        var tally = client.Tally.Snapshot();
        Assert.Equal((3L, 2L, 1L, 3L), (tally.Requests, tally.Retries, tally.Failed, tally.FailuresOf("http_5xx")));
    }

    [Fact]
    public async Task ABadRequestIsNotRetried()
    {
        await using var server = await JudgingStubServer.StartAsync(_ => (400, ""));
        using var client = new EndpointClient(Fast(server.BaseUrl));
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.CompleteAsync(Ask("400"), CancellationToken.None));
        Assert.Equal("http_4xx", e.Kind);
        Assert.Contains("HTTP 400", e.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task TheRequestCarriesItsSamplingSettingsAndMessages()
    {
        await using var server = await FaultyChatServer.StartAsync(Echo);
        using var client = new EndpointClient(Fast(server.BaseUrl + "/chat/completions/")); // a full completions URL is tolerated
        var request = new ChatRequest([ChatTurn.System("sys"), ChatTurn.User("u1"), ChatTurn.Assistant("a1"), ChatTurn.User("u2")], Temperature: 0.25, MaxTokens: 77, TopP: 0.5, Seed: 4242);
        var reply = await client.CompleteAsync(request, CancellationToken.None);
        Assert.Equal(Echo([("user", "u2")]), reply.Text);
        var body = Assert.Single(server.Requests);
        Assert.Equal(FaultyChatServer.ModelName, body["model"]!.GetValue<string>());
        Assert.Equal(0.25, body["temperature"]!.GetValue<double>(), 1e-6);
        Assert.Equal(0.5, body["top_p"]!.GetValue<double>(), 1e-6);
        Assert.Equal(4242, body["seed"]!.GetValue<long>());
        Assert.Equal(77, (body["max_completion_tokens"] ?? body["max_tokens"])!.GetValue<int>());
        Assert.Equal(["system:sys", "user:u1", "assistant:a1", "user:u2"],
            body["messages"]!.AsArray().Select(m => $"{m!["role"]}:{m["content"]}").ToArray());
        Assert.Equal(((3 + 2 + 2 + 2) / 2, (long)reply.Text.Length), (reply.PromptTokens, reply.CompletionTokens));
    }

    [Fact]
    public async Task PreflightOfAClosedPortNamesTheUrl()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}/v1";
        using var client = new EndpointClient(Fast(url));
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.CheckAsync(CancellationToken.None));
        Assert.Equal("connection", e.Kind);
        Assert.Contains($"unreachable at {url}", e.Message);
        Assert.Contains("start the server", e.Message);

        // A server without /models (404) passes.
        await using var stub = await JudgingStubServer.StartAsync();
        using var noModels = new EndpointClient(Fast(stub.BaseUrl));
        await noModels.CheckAsync(CancellationToken.None);
    }
}
