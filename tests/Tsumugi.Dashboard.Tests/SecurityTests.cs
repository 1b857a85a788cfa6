using System.Net;

namespace Tsumugi.Dashboard.Tests;

/// <summary>
/// The security model (docs/dashboard.md): loopback unless a token is set; with one, every request needs it; and no id
/// — "..", encoded dots or slashes, absolute paths, symlinks — reads anything outside --runs.
/// </summary>
public sealed class SecurityTests : IAsyncLifetime
{
    const string Token = "s3cret-token";
    const string Secret = "OUTSIDE-SECRET-7f3a";

    readonly TempDirectory _outside = new("tsumugi-dash-outside");
    readonly RunsFolder _runs = new();
    TestDashboard _open = null!;

    public async Task InitializeAsync()
    {
        // Outside --runs: a "run" whose metrics carry the secret, and a plain secret file.
        Directory.CreateDirectory(Path.Combine(_outside.Path, "run"));
        File.WriteAllText(Path.Combine(_outside.Path, "run", "metrics.jsonl"), $"{{\"step\": 1, \"loss\": 1, \"stage\": \"{Secret}\"}}\n");
        File.WriteAllText(Path.Combine(_outside.Path, "run", "events.jsonl"), $"{{\"event\": \"start\", \"step\": 0, \"message\": \"{Secret}\"}}\n");
        File.WriteAllText(Path.Combine(_outside.Path, "secret.json"), $"{{\"kind\": \"tasks\", \"model\": \"{Secret}\", \"created\": \"x\", \"metrics\": {{}}}}");
        _runs.Run("ok", 3);
        Directory.CreateSymbolicLink(Path.Combine(_runs.Path, "escape"), Path.Combine(_outside.Path, "run"));
        Directory.CreateSymbolicLink(Path.Combine(_runs.Path, "up"), _outside.Path);
        var linkedRun = _runs.Dir("linked");
        File.CreateSymbolicLink(Path.Combine(linkedRun, "metrics.jsonl"), Path.Combine(_outside.Path, "run", "metrics.jsonl"));
        File.CreateSymbolicLink(Path.Combine(linkedRun, "events.jsonl"), Path.Combine(_outside.Path, "run", "events.jsonl"));
        File.CreateSymbolicLink(Path.Combine(_runs.Dir("evals"), "r.json"), Path.Combine(_outside.Path, "secret.json"));
        Directory.CreateSymbolicLink(Path.Combine(_runs.Path, "inside"), Path.Combine(_runs.Path, "ok")); // stays under --runs: allowed
        _open = await TestDashboard.StartAsync(_runs.Path);
    }

    public async Task DisposeAsync()
    {
        await _open.DisposeAsync();
        _runs.Dispose();
        _outside.Dispose();
    }

    [Theory]
    [InlineData("/api/runs/../run/metrics")]
    [InlineData("/api/runs/ok/../../run/metrics")]
    [InlineData("/api/runs/%2e%2e/run/metrics")]
    [InlineData("/api/runs/%2E%2E%2Frun/metrics")]
    [InlineData("/api/runs/ok%2F..%2F..%2Frun/events")]
    [InlineData("/api/runs/..%5Crun/metrics")]
    [InlineData("/api/runs//tmp/metrics")]
    [InlineData("/api/runs/%2Ftmp/metrics")]
    [InlineData("/api/runs/escape/metrics")]
    [InlineData("/api/runs/escape/events")]
    [InlineData("/api/runs/escape/stream?offset=0")]
    [InlineData("/api/runs/up/run/metrics")]
    [InlineData("/api/pipelines/..")]
    [InlineData("/api/pipelines/%2e%2e%2frun")]
    [InlineData("/assets/..%2F..%2Fsecret.json")]
    public async Task PathsOutsideRuns_Are404_AndNothingOutsideIsRead(string target)
    {
        var (status, body) = await _open.RawGetAsync(target);
        Assert.True(status is 404 or 400, $"{target}: {status} {body}"); // 400: Kestrel itself refuses some malformed targets
        Assert.DoesNotContain(Secret, body);
    }

    [Fact]
    public async Task SymlinkedFilesAndFolders_LeadingOutside_AreNeitherListedNorRead()
    {
        var runs = await _open.Http.GetStringAsync(_open.BaseUrl + "/api/runs");
        var ids = System.Text.Json.Nodes.JsonNode.Parse(runs)!.AsArray().Select(r => (string)r!["id"]!).ToList();
        Assert.Equal(["ok"], ids); // escape/, up/ and linked/ (whose files point outside) are not runs here; inside/ is ok/ again
        Assert.DoesNotContain(Secret, runs);
        Assert.Equal(3, (int)(await _open.GetJsonAsync("/api/runs/inside/metrics"))["steps"]!); // a link that stays under --runs is followed
        var metrics = await _open.Http.GetStringAsync(_open.BaseUrl + "/api/runs/linked/metrics");
        Assert.Contains("\"steps\":0", metrics);
        Assert.DoesNotContain(Secret, metrics);
        Assert.DoesNotContain(Secret, await _open.Http.GetStringAsync(_open.BaseUrl + "/api/runs/linked/events"));
        Assert.DoesNotContain(Secret, await _open.Http.GetStringAsync(_open.BaseUrl + "/api/evals"));
    }

    [Theory]
    [InlineData("evil.example:8050", 400)]  // DNS rebinding: a foreign page's name pointed at 127.0.0.1
    [InlineData("10.0.0.5", 400)]
    [InlineData("localhost:8050", 200)]
    [InlineData("127.0.0.1", 200)]
    [InlineData("[::1]:8050", 200)]
    public async Task WithoutToken_OnlyLoopbackHostHeadersAreAnswered(string host, int status)
    {
        var (got, body) = await _open.RawGetAsync("/api/runs", host);
        Assert.Equal(status, got);
        if (status != 200) Assert.Contains("--token", body);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.168.1.20")]
    [InlineData("::")]
    [InlineData("example.org")]
    public void NonLoopbackHost_WithoutToken_RefusesToStart(string host)
    {
        var e = Assert.Throws<ArgumentException>(() => new DashboardServer(new DashboardOptions { Runs = _runs.Path, Host = host }));
        Assert.Contains("--token", e.Message);
        _ = new DashboardServer(new DashboardOptions { Runs = _runs.Path, Host = host, Token = Token }); // with a token it may
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("localhost")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public void LoopbackHost_NeedsNoToken(string host) => Assert.True(DashboardOptions.IsLoopback(host));

    [Fact]
    public async Task WithToken_EveryRequestWithoutIt_Is401_AndEachOfTheThreeFormsPasses()
    {
        await using var dash = await TestDashboard.StartAsync(_runs.Path, Token);
        foreach (var path in new[] { "/", "/assets/app.js", "/api/runs", "/api/runs/ok/metrics", "/api/runs/ok/stream", "/api/evals" })
        {
            using var none = await Send(dash, path);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Contains("\"error\"", await none.Content.ReadAsStringAsync());
            using var wrong = await Send(dash, path, bearer: Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var bearer = await Send(dash, "/api/runs", bearer: Token)) Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        using (var query = await Send(dash, "/api/runs?token=" + Token)) Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        using (var cookie = await Send(dash, "/api/runs", cookie: Token)) Assert.Equal(HttpStatusCode.OK, cookie.StatusCode);
        using (var wrongQuery = await Send(dash, "/api/runs?token=s3cret-tokeN")) Assert.Equal(HttpStatusCode.Unauthorized, wrongQuery.StatusCode);
    }

    [Fact]
    public async Task WithToken_ThePageUrlSetsACookie_SoItsAssetsLoadWithoutTheTokenInTheirUrls()
    {
        await using var dash = await TestDashboard.StartAsync(_runs.Path, Token);
        using var page = await Send(dash, "/?token=" + Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var setCookie = Assert.Single(page.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"{TokenGate.CookieName}={Token}", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    static async Task<HttpResponseMessage> Send(TestDashboard dash, string path, string? bearer = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, dash.BaseUrl + path);
        if (bearer is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        if (cookie is not null) request.Headers.TryAddWithoutValidation("Cookie", $"{TokenGate.CookieName}={cookie}");
        return await dash.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
