using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tsumugi.Dashboard;

/// <summary>
/// The dashboard's HTTP server (ASP.NET Core minimal API): the page from embedded assets, and a read-only JSON API
/// over --runs (docs/dashboard.md). Every request passes <see cref="Guard"/> — GET only, the token when one is set, a
/// loopback Host header when none is, errors as <c>{"error": {"message", "type"}}</c> — and every id passes
/// <see cref="RunsRoot"/>.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly DashboardOptions _options;
    readonly RunCatalog _catalog;
    readonly EvalIndex _evals;
    readonly TokenGate? _gate;
    WebApplication? _app;

    /// <summary>Validates <paramref name="options"/> (throws <see cref="ArgumentException"/> naming the problem) and indexes nothing yet.</summary>
    public DashboardServer(DashboardOptions options)
    {
        options.Validate();
        _options = options;
        var root = new RunsRoot(options.Runs);
        _catalog = new RunCatalog(root);
        _evals = new EvalIndex(root);
        _gate = options.Token is null ? null : new TokenGate(options.Token);
    }

    /// <summary>The address actually bound, e.g. http://127.0.0.1:54321 (useful with port 0).</summary>
    public string BaseUrl => _app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
        ?? throw new InvalidOperationException("The dashboard has not started.");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{(_options.Host.Contains(':') && !_options.Host.StartsWith('[') ? $"[{_options.Host}]" : _options.Host)}:{_options.Port}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2)); // open event streams end at once
        _app = builder.Build();
        var stopping = _app.Lifetime.ApplicationStopping;
        _app.Use(Guard);
        _app.MapGet("/", () => Asset("index.html"));
        _app.MapGet("/assets/{name}", (string name) => Asset(name));
        _app.MapGet("/api/runs", () => Json(_catalog.List()));
        _app.MapGet("/api/runs/{**path}", (HttpContext ctx, string path) => RunRequest(ctx, path, stopping));
        _app.MapGet("/api/evals", () => Json(_evals.Groups()));
        _app.MapGet("/api/pipelines/{**id}", (string? id) => Json(PipelineView.Read(_catalog.Root, _catalog.Root.Directory(CheckId(id ?? "")))));
        _app.MapFallback(ctx => throw new DashboardException(404, $"No such page or API: {ctx.Request.Path}.", "not_found"));
        // Parse every run and index the eval results now, while Kestrel starts and the user opens the browser, so the
        // first page finds them read (35 MB of metrics for 10 runs × 10k steps is about half a second of CPU).
        _ = Task.Run(() =>
        {
            try
            {
                _catalog.List();
                _evals.Groups();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the request that needs it reports it
        }, stopping);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        _ = Task.Run(() => WarmUpRequests(stopping), stopping);
    }

    /// <summary>
    /// Sends the page and one JSON request through the server itself, so compiling routing, the guard and the JSON
    /// writers (about 0.25 s on first use) is not the first visitor's wait. Failures are ignored: it only saves time.
    /// </summary>
    async Task WarmUpRequests(CancellationToken stopping)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            foreach (var path in new[] { "/", "/api/evals" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl + path);
                if (_options.Token is { } token) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException) { }
    }

    /// <summary>Runs until Ctrl-C / SIGTERM or <paramref name="cancellationToken"/>.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) =>
        (_app ?? throw new InvalidOperationException("The dashboard has not started.")).WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>GET only, the token when one is set, and the single place a <see cref="DashboardException"/> becomes a response.</summary>
    async Task Guard(HttpContext ctx, RequestDelegate next)
    {
        try
        {
            if (!HttpMethods.IsGet(ctx.Request.Method))
                throw new DashboardException(405, $"{ctx.Request.Method} is not allowed: the dashboard is read-only (GET).", "method_not_allowed");
            if (_gate is null && !DashboardOptions.IsLoopback(ctx.Request.Host.Host))
            {
                // Without a token the only guard is that just this machine can connect. A web page elsewhere could still
                // point its own host name at 127.0.0.1 (DNS rebinding) and read the answers; its requests carry that name.
                throw DashboardException.BadRequest($"Host '{ctx.Request.Host.Host}' is not a loopback name: open http://127.0.0.1:{ctx.Connection.LocalPort}/ (or start the dashboard with --token).");
            }
            if (_gate is not null)
            {
                if (!_gate.Authorized(ctx.Request))
                    throw new DashboardException(401, "Missing or wrong token: open the URL `tsumugi dashboard` printed (it carries ?token=), or send 'Authorization: Bearer TOKEN'.", "unauthorized");
                if (ctx.Request.Cookies[TokenGate.CookieName] is null) _gate.SetCookie(ctx.Response, _options.Token!);
            }
            await next(ctx).ConfigureAwait(false);
        }
        catch (DashboardException e) when (!ctx.Response.HasStarted)
        {
            if (e.Status == 405) ctx.Response.Headers.Allow = "GET";
            await Error(ctx, e.Status, e.Message, e.Type).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && !ctx.Response.HasStarted)
        {
            await Error(ctx, 500, e.Message, "server_error").ConfigureAwait(false);
        }
    }

    static Task Error(HttpContext ctx, int status, string message, string type)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers.CacheControl = "no-store";
        return ctx.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type } }, Wire);
    }

    /// <summary>/api/runs/{id}/metrics|events|samples|stream: the id is everything before the last segment.</summary>
    async Task RunRequest(HttpContext ctx, string path, CancellationToken stopping)
    {
        var slash = path.LastIndexOf('/'); // no slash: /api/runs/metrics, the run that is --runs itself (id ".", which URLs cannot carry)
        var id = CheckId(slash < 0 ? "" : path[..slash]);
        var query = ctx.Request.Query;
        switch (path[(slash + 1)..])
        {
            case "metrics":
                var points = IntParameter(query, "points", MetricsResponse.DefaultPoints, Downsampler.MinPoints, MetricsResponse.MaxPoints);
                var only = query["series"].ToString() is { Length: > 0 } names ? names.Split(',').ToHashSet(StringComparer.Ordinal) : null;
                var body = MetricsResponse.Write(id, _catalog.Metrics(id), points, only);
                await Bytes(ctx, body, "application/json").ConfigureAwait(false);
                break;
            case "events" or "samples":
                var file = path[(slash + 1)..] == "events" ? RunDiscovery.EventsFile : RunDiscovery.SamplesFile;
                var (lines, offset) = _catalog.Lines(id, file);
                ctx.Response.Headers["X-Tsumugi-Offset"] = offset.ToString(CultureInfo.InvariantCulture); // where the stream's events_offset starts
                await Bytes(ctx, JsonLinesLog.ToArray(lines), "application/json").ConfigureAwait(false);
                break;
            case "stream":
                var metricsOffset = LongParameter(query, "offset") ?? 0;
                var eventsOffset = LongParameter(query, "events_offset");
                await MetricsStream.Run(ctx, _catalog.Root, _catalog.Root.Directory(id), metricsOffset, eventsOffset, stopping).ConfigureAwait(false);
                break;
            default:
                throw new DashboardException(404, $"Unknown run resource '{path[(slash + 1)..]}': expected metrics, events, samples or stream.", "not_found");
        }
    }

    /// <summary>
    /// Route values arrive percent-decoded except "/" (%2F stays encoded): decode once more so "..%2F" is seen as "../"
    /// and refused by <see cref="RunsRoot"/> like any other "..".
    /// An empty id is --runs itself (".": browsers and Kestrel drop "." segments, so the page sends none).
    /// </summary>
    static string CheckId(string id) => id.Length == 0 ? "." : Uri.UnescapeDataString(id);

    static int IntParameter(IQueryCollection query, string name, int fallback, int min, int max)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw DashboardException.BadRequest($"?{name}={text}: expected a whole number from {min} to {max}.");
    }

    static long? LongParameter(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return null;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw DashboardException.BadRequest($"?{name}={text}: expected a byte offset (a whole number ≥ 0).");
    }

    static IResult Asset(string name) =>
        StaticAssets.Get(name) is { } file ? Results.Bytes(file.Bytes, file.ContentType) : throw DashboardException.NotFound($"asset '{name}'");

    static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(Wire), "application/json; charset=utf-8");

    static async Task Bytes(HttpContext ctx, byte[] body, string contentType)
    {
        ctx.Response.ContentType = contentType + "; charset=utf-8";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).ConfigureAwait(false);
    }
}
