using System.Security.Cryptography;
using System.Text;
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
using Tsumugi.Generation;

namespace Tsumugi.Serving.Server;

/// <summary>
/// The OpenAI-compatible HTTP server (ASP.NET Core minimal API): /health, /metrics, /v1/models, /v1/chat/completions
/// and /v1/completions. Up to <see cref="ServerOptions.MaxBatch"/> requests decode together (continuous batching), more
/// wait behind <see cref="DecodeGate"/>; every refusal is an OpenAI error body. The model is the caller's; the decode
/// thread that batches it belongs to the server.
/// </summary>
public sealed class OpenAiServer : IAsyncDisposable
{
    /// <summary>Japanese text goes out as UTF-8, not \uXXXX escapes: readable in curl and a third of the bytes.</summary>
    static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly PretrainedModel _model;
    readonly ServerOptions _options;
    readonly DecodeGate _gate;
    readonly ContinuousBatcher _batcher;

    /// <summary>Both endpoints also stop at the chat format's turn end: one answer per request, as clients expect.</summary>
    readonly TextGenerator _generator;
    readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    readonly byte[] _expectedAuthorization;
    readonly ServerMetrics _metrics = new();
    WebApplication? _app;

    public OpenAiServer(PretrainedModel model, ServerOptions options)
    {
        (_model, _options) = (model, options);
        _gate = new DecodeGate(options.MaxBatch, options.MaxQueue);
        _batcher = model.CreateBatcher(options.MaxBatch);
        _generator = model.CreateChatGenerator(_batcher);
        _expectedAuthorization = Encoding.UTF8.GetBytes($"Bearer {options.ApiKey}");
    }

    /// <summary>The address actually bound, e.g. http://127.0.0.1:54321 (useful with port 0).</summary>
    public string BaseUrl => _app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
        ?? throw new InvalidOperationException("The server has not started.");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{_options.Host}:{_options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = _options.MaxRequestBytes); // chunked bodies; see RequestParser.ReadBodyAsync
        _app = builder.Build();
        _app.Use(Guard);
        _app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        _app.MapGet("/metrics", () => Results.Json(_metrics.ToJson(), Wire)); // counters only: open like /health
        _app.MapGet("/v1/models", Models);
        _app.MapPost("/v1/chat/completions", ctx => Complete(ctx, chat: true));
        _app.MapPost("/v1/completions", ctx => Complete(ctx, chat: false));
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs until Ctrl-C / SIGTERM or <paramref name="cancellationToken"/> (the CLI's own Ctrl-C token); ASP.NET Core
    /// then stops gracefully, letting the running request finish.
    /// </summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) =>
        (_app ?? throw new InvalidOperationException("The server has not started.")).WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
        _batcher.Dispose(); // after the app: no request is left to read from it
    }

    /// <summary>API-key check and the single place that turns <see cref="OpenAiException"/> into an error response.</summary>
    async Task Guard(HttpContext ctx, RequestDelegate next)
    {
        try
        {
            if (_options.ApiKey is not null && ctx.Request.Path.StartsWithSegments("/v1") && !Authorized(ctx.Request.Headers.Authorization.ToString()))
                throw new OpenAiException(401, "Incorrect or missing API key: send 'Authorization: Bearer <key>'.", code: "invalid_api_key");
            await next(ctx).ConfigureAwait(false);
        }
        catch (OpenAiException e) when (!ctx.Response.HasStarted)
        {
            ctx.Response.StatusCode = e.Status;
            await ctx.Response.WriteAsJsonAsync(ErrorBody(e.Message, e.Type, e.Param, e.Code), Wire).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && !ctx.Response.HasStarted)
        {
            // A bug or a model failure: still an OpenAI-shaped body, so clients report the message instead of a parse error.
            ctx.Response.StatusCode = 500;
            await ctx.Response.WriteAsJsonAsync(ErrorBody(e.Message, "server_error", null, null), Wire).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Compares in constant time (for equal lengths): a plain string comparison stops at the first wrong byte, so its
    /// timing tells an attacker how much of a guessed key is right.
    /// </summary>
    bool Authorized(string header) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expectedAuthorization);

    static JsonObject ErrorBody(string message, string type, string? param, string? code) =>
        new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code } };

    IResult Models() => Results.Json<JsonObject>(new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray(new JsonObject { ["id"] = _model.Name, ["object"] = "model", ["created"] = _created, ["owned_by"] = "tsumugi" }),
    }, Wire);

    async Task Complete(HttpContext ctx, bool chat)
    {
        var json = RequestParser.ParseBody(await RequestParser.ReadBodyAsync(ctx.Request, _options.MaxRequestBytes, ctx.RequestAborted).ConfigureAwait(false));
        var request = chat ? RequestParser.ParseChat(json, _model, _options) : RequestParser.ParseCompletion(json, _model, _options);
        using var busy = _metrics.Enter();
        using var turn = await _gate.TryEnterAsync(ctx.RequestAborted).ConfigureAwait(false)
            ?? throw new OpenAiException(429, $"The server is busy: {_gate.MaxConcurrent} requests are decoding and {_gate.MaxQueue} waiting. Retry later.", "rate_limit_exceeded", code: "rate_limit_exceeded");
        var response = new CompletionResponseWriter(chat, _model.Name, (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var deltas = _generator.StreamAsync(request.PromptIds, request.Options, ctx.RequestAborted);
        GenerationResult? result = null;
        if (request.Stream) result = await StreamResponse(ctx, response, deltas, request.IncludeUsage).ConfigureAwait(false);
        else
        {
            await foreach (var d in deltas.ConfigureAwait(false)) result = d.Final ?? result;
            await ctx.Response.WriteAsJsonAsync(response.Full(result!), Wire, ctx.RequestAborted).ConfigureAwait(false);
        }
        _metrics.Completed(result!);
    }

    /// <summary>Sends the deltas as server-sent events; returns the final result (its usage counts in /metrics).</summary>
    static async Task<GenerationResult> StreamResponse(HttpContext ctx, CompletionResponseWriter response, IAsyncEnumerable<GenerationDelta> deltas, bool includeUsage)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        async Task Send(string data)
        {
            await ctx.Response.WriteAsync($"data: {data}\n\n", ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
        if (response.IsChat) await Send(response.Chunk(text: "", role: true, finishReason: null).ToJsonString(Wire)).ConfigureAwait(false);
        GenerationResult? result = null;
        await foreach (var d in deltas.ConfigureAwait(false))
        {
            result = d.Final ?? result;
            if (d.Text.Length > 0) await Send(response.Chunk(d.Text, role: false, finishReason: null).ToJsonString(Wire)).ConfigureAwait(false);
        }
        await Send(response.Chunk("", role: false, result!.FinishReasonText).ToJsonString(Wire)).ConfigureAwait(false);
        if (includeUsage) await Send(response.UsageChunk(result).ToJsonString(Wire)).ConfigureAwait(false);
        await Send("[DONE]").ConfigureAwait(false);
        return result;
    }
}
