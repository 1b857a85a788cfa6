using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tsumugi.Testing;

/// <summary>
/// A local OpenAI-compatible judge for tests: /v1/chat/completions answers by the first rule whose marker occurs in the
/// request's messages — canned text, an HTTP status, a raw body, or a sleep past the client's timeout — and records every request
/// (Authorization header and JSON body) so tests can check what the judge was sent. Or, started with an answer function,
/// it answers each request by what the function returns for the last message (a status and the text for status 200).
/// </summary>
public sealed class JudgingStubServer : IAsyncDisposable
{
    public sealed record Rule(string Marker, string? Text = null, int Status = 200, TimeSpan Sleep = default, string? RawBody = null);

    public sealed record Request(string? Authorization, JsonObject Body)
    {
        public string Model => Body["model"]!.GetValue<string>();
        public string System => Messages.First(m => m["role"]!.GetValue<string>() == "system")["content"]!.GetValue<string>();
        public string User => Messages.First(m => m["role"]!.GetValue<string>() == "user")["content"]!.GetValue<string>();
        IEnumerable<JsonNode> Messages => Body["messages"]!.AsArray().Select(m => m!);
    }

    readonly Func<JsonObject, Rule> _choose;
    readonly WebApplication _app;

    readonly ConcurrencyGauge _inFlight = new();

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>The most requests the stub was answering at one moment: what a client's concurrency limit must bound.</summary>
    public int MaxInFlight => _inFlight.Max;
    public string BaseUrl { get; }

    JudgingStubServer(Func<JsonObject, Rule> choose, WebApplication app, string baseUrl) => (_choose, _app, BaseUrl) = (choose, app, baseUrl);

    /// <summary>Answers by the first rule whose marker occurs in any message (none: a canned "[[1]]" verdict).</summary>
    public static Task<JudgingStubServer> StartAsync(params Rule[] rules) => Start(body =>
    {
        var all = string.Join("\n", body["messages"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()));
        return rules.FirstOrDefault(r => all.Contains(r.Marker, StringComparison.Ordinal)) ?? new Rule("", "no rule matched: 評価：[[1]]");
    });

    /// <summary>Answers each request by <paramref name="answer"/> applied to the last message's content.</summary>
    public static Task<JudgingStubServer> StartAsync(Func<string, (int Status, string Text)> answer) => Start(body =>
    {
        var (status, text) = answer(body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>());
        return new Rule("", text, status);
    });

    static async Task<JudgingStubServer> Start(Func<JsonObject, Rule> choose)
    {
        JudgingStubServer? stub = null;
        var (app, url) = await OpenAiStubs.StartAsync(app => app.MapPost("/v1/chat/completions", (HttpContext ctx) => stub!.Answer(ctx)));
        return stub = new JudgingStubServer(choose, app, url);
    }

    /// <summary>Requests whose user message contains <paramref name="text"/>.</summary>
    public List<Request> RequestsContaining(string text) => Requests.Where(r => r.User.Contains(text, StringComparison.Ordinal)).ToList();

    async Task Answer(HttpContext ctx)
    {
        using var _ = _inFlight.Enter();
        await Respond(ctx);
    }

    async Task Respond(HttpContext ctx)
    {
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!.AsObject();
        var request = new Request(ctx.Request.Headers.Authorization.ToString(), body);
        Requests.Enqueue(request);
        var rule = _choose(body);
        if (rule.Sleep > TimeSpan.Zero)
        {
            try { await Task.Delay(rule.Sleep, ctx.RequestAborted); }
            catch (OperationCanceledException) { return; } // the client gave up, as intended
        }
        ctx.Response.StatusCode = rule.Status;
        if (rule.RawBody is not null)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(rule.RawBody);
            return;
        }
        JsonObject response = rule.Status == 200
            ? OpenAiStubs.ChatCompletion(request.Model, rule.Text, 10, 5)
            : OpenAiStubs.Error("stub failure", "server_error");
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(response.ToJsonString(OpenAiStubs.Wire));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
