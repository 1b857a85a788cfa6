using Tsumugi.Synthesis.Endpoints;
using static Tsumugi.Synthesis.Tests.Endpoints.Endpoints;

namespace Tsumugi.Synthesis.Tests.Endpoints;

/// <summary>The pool: per-endpoint concurrency bounds, load spread, roles, preflight, and slots that survive cancellation.</summary>
public sealed class EndpointPoolTests
{
    static readonly Func<int, ChatFault> Slow = _ => ChatFault.Slow(TimeSpan.FromMilliseconds(300));

    [Fact]
    public async Task AnEndpointNeverGetsMoreThanItsConcurrency()
    {
        await using var server = await FaultyChatServer.StartAsync(Echo, Slow);
        using var pool = new EndpointPool([Fast(server.BaseUrl, concurrency: 3)]);
        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => pool.CompleteAsync("generate", Ask($"q{i}"), CancellationToken.None)));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => Echo([("user", $"q{i}")])), replies.Select(r => r.Text));
        Assert.Equal(3, server.MaxInFlight); // reached, never passed
        Assert.Equal(3, pool.Capacity("generate"));
    }

    [Fact]
    public async Task LoadSpreadsOverTheEndpointsOfARole()
    {
        await using var a = await FaultyChatServer.StartAsync(Echo, Slow);
        await using var b = await FaultyChatServer.StartAsync(Echo, Slow);
        using var pool = new EndpointPool([Fast(a.BaseUrl, "a", concurrency: 2), Fast(b.BaseUrl, "b", concurrency: 2)]);
        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => pool.CompleteAsync("generate", Ask($"q{i}"), CancellationToken.None)));
        Assert.Equal(12, a.Posts + b.Posts);
        Assert.True(a.Posts >= 3 && b.Posts >= 3, $"a got {a.Posts}, b got {b.Posts}");
        Assert.True(a.MaxInFlight <= 2 && b.MaxInFlight <= 2, $"in flight: a {a.MaxInFlight}, b {b.MaxInFlight}");
        Assert.Equal(a.Posts, replies.Count(r => r.Endpoint == "a"));
        Assert.Equal(4, pool.Capacity("generate"));
        Assert.Equal([a.Posts, b.Posts], pool.Tallies.Select(t => (int)t.Tally.Snapshot().Succeeded));
    }

    [Fact]
    public async Task RequestsGoOnlyToEndpointsOfTheirRole()
    {
        await using var generator = await FaultyChatServer.StartAsync(_ => "generated");
        await using var judge = await FaultyChatServer.StartAsync(_ => "judged");
        using var pool = new EndpointPool([
            Fast(generator.BaseUrl, "gen") with { Roles = new HashSet<string> { "generate", "user" } },
            Fast(judge.BaseUrl, "judge", concurrency: 2) with { Roles = new HashSet<string> { "judge" } },
        ]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("judged", (await pool.CompleteAsync("judge", Ask($"j{i}"), CancellationToken.None)).Text);
            Assert.Equal("generated", (await pool.CompleteAsync("user", Ask($"u{i}"), CancellationToken.None)).Text);
        }
        Assert.Equal((3, 3), (generator.Posts, judge.Posts));
        Assert.Equal((8, 2), (pool.Capacity("generate"), pool.Capacity("judge")));

        var e = Assert.Throws<ArgumentException>(() => pool.RequireRole("critic"));
        Assert.StartsWith("no endpoint has role 'critic'; add roles: [critic] to one of endpoints[]", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.CompleteAsync("critic", Ask("x"), CancellationToken.None));
        Assert.Equal(0, pool.Capacity("critic"));
    }

    [Fact]
    public async Task ACancelledWaitGivesNoSlotAwayAndLeaksNone()
    {
        await using var a = await FaultyChatServer.StartAsync(Echo, _ => ChatFault.Slow(TimeSpan.FromMilliseconds(600)));
        await using var b = await FaultyChatServer.StartAsync(Echo, _ => ChatFault.Slow(TimeSpan.FromMilliseconds(600)));
        using var pool = new EndpointPool([Fast(a.BaseUrl, "a", concurrency: 1), Fast(b.BaseUrl, "b", concurrency: 1)]);
        var busy = new[] { pool.CompleteAsync("generate", Ask("1"), CancellationToken.None), pool.CompleteAsync("generate", Ask("2"), CancellationToken.None) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.CompleteAsync("generate", Ask("waits"), cancel.Token));
        await Task.WhenAll(busy);
        // Both slots are free again: two more requests run at once, one per endpoint, and nothing overran a limit.
        var more = await Task.WhenAll(pool.CompleteAsync("generate", Ask("3"), CancellationToken.None), pool.CompleteAsync("generate", Ask("4"), CancellationToken.None));
        Assert.Equal(new[] { "a", "b" }, more.Select(r => r.Endpoint).Order());
        Assert.Equal((1, 1), (a.MaxInFlight, b.MaxInFlight));
        Assert.Equal(4, a.Posts + b.Posts); // the cancelled request was never sent
    }

    [Fact]
    public async Task PreflightReportsTheUnreachableEndpoint()
    {
        await using var up = await FaultyChatServer.StartAsync(Echo);
        var down = $"http://127.0.0.1:{ClosedPort()}/v1";
        using var pool = new EndpointPool([Fast(up.BaseUrl, "up"), Fast(down, "down")]);
        var e = await Assert.ThrowsAsync<EndpointException>(() => pool.CheckAllAsync(CancellationToken.None));
        Assert.Equal(("down", "connection"), (e.Endpoint, e.Kind));
        Assert.Contains(down, e.Message);
    }

    [Fact]
    public void BadSettingsAndDuplicateNamesAreRefusedNamingTheField()
    {
        var ok = Fast("http://127.0.0.1:1/v1");
        Assert.Contains("concurrency must be in [1, 256]", Assert.Throws<ArgumentException>(() => new EndpointPool([ok with { Concurrency = 0 }])).Message);
        Assert.Contains("endpoint 'local': url 'localhost:8000' is not an http(s) URL", Assert.Throws<ArgumentException>(() => (ok with { Url = "localhost:8000" }).Validate()).Message);
        Assert.Contains("backoff_max_s", Assert.Throws<ArgumentException>(() => (ok with { BackoffMax = TimeSpan.FromMilliseconds(1) }).Validate()).Message);
        Assert.Contains("two endpoints are named 'local'", Assert.Throws<ArgumentException>(() => new EndpointPool([ok, ok with { Url = "http://127.0.0.1:2/v1" }])).Message);
    }
}
