using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    int _inFlight, _maxInFlight;

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>The most requests the stub was answering at one moment: what a client's concurrency limit must bound.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
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
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.None);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        JudgingStubServer? stub = null;
        app.MapPost("/v1/chat/completions", (HttpContext ctx) => stub!.Answer(ctx));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return stub = new JudgingStubServer(choose, app, url + "/v1");
    }

    /// <summary>Requests whose user message contains <paramref name="text"/>.</summary>
    public List<Request> RequestsContaining(string text) => Requests.Where(r => r.User.Contains(text, StringComparison.Ordinal)).ToList();

    async Task Answer(HttpContext ctx)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (int seen = Volatile.Read(ref _maxInFlight); now > seen; seen = Volatile.Read(ref _maxInFlight))
            if (Interlocked.CompareExchange(ref _maxInFlight, now, seen) == seen) break;
        try { await Respond(ctx); }
        finally { Interlocked.Decrement(ref _inFlight); }
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
            ? new JsonObject
            {
                ["id"] = "chatcmpl-stub", ["object"] = "chat.completion", ["created"] = 1_700_000_000L, ["model"] = request.Model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = rule.Text },
                    ["finish_reason"] = "stop", ["logprobs"] = null,
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
            }
            : new JsonObject { ["error"] = new JsonObject { ["message"] = "stub failure", ["type"] = "server_error" } };
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(response.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
