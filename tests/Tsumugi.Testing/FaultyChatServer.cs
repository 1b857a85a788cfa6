using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tsumugi.Testing;

/// <summary>
/// A local OpenAI-compatible endpoint that answers deterministically and injects faults by plan: each POST (counted
/// from 0 in arrival order) gets the <see cref="ChatFault"/> the plan gives its ordinal. It records what a retrying
/// client must get right — every request body, the most requests in flight at once, and each answer actually
/// delivered, by the request's last user message (so a test can check that every prompt was answered exactly once).
/// Usage is deterministic: prompt_tokens = characters of all messages / 2, completion_tokens = characters of the answer.
/// Serves GET /v1/models; with an API key, any other key gets 401. A plain URL, so CLI processes can use it too.
/// </summary>
public sealed class FaultyChatServer : IAsyncDisposable
{
    public const string ModelName = "faulty-test";

    readonly Func<IReadOnlyList<(string Role, string Content)>, string> _answer;
    readonly Func<int, ChatFault> _plan;
    readonly string? _apiKey;
    readonly ConcurrencyGauge _inFlight = new();
    readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _delivered = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<ChatFault.Kinds, int> _injected = new();
    WebApplication _app = null!;
    int _posts;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every POST body, in arrival order.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>POSTs received, faulted or not.</summary>
    public int Posts => Volatile.Read(ref _posts);
    public int MaxInFlight => _inFlight.Max;

    /// <summary>Faults injected so far, by kind (<see cref="ChatFault.Kinds.None"/>: requests answered normally).</summary>
    public int Injected(ChatFault.Kinds kind) => _injected.GetValueOrDefault(kind);

    /// <summary>The answers delivered whole, by the last user message of their request.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Delivered =>
        _delivered.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.ToList(), StringComparer.Ordinal);

    FaultyChatServer(Func<IReadOnlyList<(string Role, string Content)>, string> answer, Func<int, ChatFault> plan, string? apiKey) =>
        (_answer, _plan, _apiKey) = (answer, plan, apiKey);

    /// <param name="answer">The reply text for a request's messages (deterministic).</param>
    /// <param name="plan">The fault for each POST ordinal; null: none.</param>
    /// <param name="apiKey">When set, requests must send <c>Authorization: Bearer KEY</c>.</param>
    public static async Task<FaultyChatServer> StartAsync(Func<IReadOnlyList<(string Role, string Content)>, string> answer, Func<int, ChatFault>? plan = null, string? apiKey = null)
    {
        var server = new FaultyChatServer(answer, plan ?? (_ => ChatFault.None), apiKey);
        (server._app, server.BaseUrl) = await OpenAiStubs.StartAsync(app =>
        {
            app.MapGet("/v1/models", server.Models);
            app.MapPost("/v1/chat/completions", server.Answer);
        });
        return server;
    }

    bool Refused(HttpContext ctx) => _apiKey is not null && ctx.Request.Headers.Authorization.ToString() != $"Bearer {_apiKey}";

    async Task Models(HttpContext ctx)
    {
        if (Refused(ctx)) { await Write(ctx, 401, OpenAiStubs.Error("Incorrect API key provided", "invalid_request_error")); return; }
        await Write(ctx, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject { ["id"] = ModelName, ["object"] = "model", ["created"] = 1_700_000_000L, ["owned_by"] = "tests" }),
        });
    }

    async Task Answer(HttpContext ctx)
    {
        using var _ = _inFlight.Enter();
        var fault = _plan(Interlocked.Increment(ref _posts) - 1);
        _injected.AddOrUpdate(fault.Kind, 1, (_, n) => n + 1);
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!.AsObject();
        Requests.Enqueue(body);
        if (Refused(ctx)) { await Write(ctx, 401, OpenAiStubs.Error("Incorrect API key provided", "invalid_request_error")); return; }
        switch (fault.Kind)
        {
            case ChatFault.Kinds.CloseConnection:
                ctx.Abort();
                return;
            case ChatFault.Kinds.TooManyRequests:
                if (fault.RetryAfterSeconds >= 0) ctx.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Write(ctx, 429, OpenAiStubs.Error("Rate limit reached; retry later", "rate_limit_exceeded"));
                return;
            case ChatFault.Kinds.ServerError:
                await Write(ctx, fault.Status, OpenAiStubs.Error("injected server failure", "server_error"));
                return;
            case ChatFault.Kinds.Slow:
                try { await Task.Delay(fault.Delay, ctx.RequestAborted); }
                catch (OperationCanceledException) { return; } // the client gave up: nothing delivered
                break;
        }
        var messages = body["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), m["content"]!.GetValue<string>())).ToList();
        var text = _answer(messages);
        var reply = OpenAiStubs.ChatCompletion(body["model"]?.GetValue<string>() ?? ModelName, text, messages.Sum(m => m.Item2.Length) / 2, text.Length);
        var bytes = Encoding.UTF8.GetBytes(reply.ToJsonString(OpenAiStubs.Wire));
        if (fault.Kind == ChatFault.Kinds.TruncatedJson) bytes = bytes[..(bytes.Length / 2)];
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        try
        {
            await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
            await ctx.Response.CompleteAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException) { return; } // the client left mid-answer
        if (fault.Kind != ChatFault.Kinds.TruncatedJson && !ctx.RequestAborted.IsCancellationRequested)
        {
            var lastUser = messages.LastOrDefault(m => m.Item1 == "user").Item2 ?? "";
            _delivered.GetOrAdd(lastUser, _ => new ConcurrentQueue<string>()).Enqueue(text);
        }
    }

    static async Task Write(HttpContext ctx, int status, JsonObject body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString(OpenAiStubs.Wire));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
