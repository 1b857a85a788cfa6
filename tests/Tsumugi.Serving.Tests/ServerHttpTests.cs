using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Serving.Tests;

/// <summary>Raw HTTP against the server: the wire format, and every refusal has the right status and OpenAI's error body, and the server keeps serving.</summary>
public sealed class ServerHttpTests(ServerFixture fx) : IClassFixture<ServerFixture>, IDisposable
{
    readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    async Task<(HttpStatusCode Status, string Body)> Post(string path, string body, string? key = ServerFixture.ApiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fx.BaseUrl + path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    static string Chat(string extra = "") =>
        $$"""{"model": "{{ServerFixture.ModelName}}", "messages": [{"role": "user", "content": "東京は"}], "max_tokens": 4, "temperature": 0{{extra}}}""";

    /// <summary>Asserts the OpenAI error shape and returns the error object.</summary>
    static JsonElement Error((HttpStatusCode Status, string Body) r, HttpStatusCode expected)
    {
        Assert.True(r.Status == expected, $"expected {expected}, got {r.Status}: {r.Body}");
        var error = JsonDocument.Parse(r.Body).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error;
    }

    [Fact]
    public async Task RefusalsHaveTheirStatusAndOpenAiErrorBodiesAndTheServerStillServesAfterwards()
    {
        Error(await Post("/v1/chat/completions", "{not json"), HttpStatusCode.BadRequest);
        Error(await Post("/v1/chat/completions", "[1, 2]"), HttpStatusCode.BadRequest);
        Assert.Equal("messages", Error(await Post("/v1/chat/completions", $$"""{"model": "{{ServerFixture.ModelName}}", "messages": []}"""), HttpStatusCode.BadRequest).GetProperty("param").GetString());
        Assert.Equal("model_not_found", Error(await Post("/v1/chat/completions", Chat().Replace(ServerFixture.ModelName, "gpt-4o")), HttpStatusCode.NotFound).GetProperty("code").GetString());
        var japanese = await Post("/v1/chat/completions", Chat().Replace(ServerFixture.ModelName, "モデル"));
        Assert.Contains("'モデル'", japanese.Body); // sent as UTF-8, not \uXXXX escapes
        Assert.Equal("n", Error(await Post("/v1/chat/completions", Chat(", \"n\": 2")), HttpStatusCode.BadRequest).GetProperty("param").GetString());
        Error(await Post("/v1/chat/completions", Chat(", \"stop\": 5")), HttpStatusCode.BadRequest);

        // Sampling errors reuse SamplingOptions.Validate's wording.
        string expected = Assert.Throws<ArgumentException>(() => new SamplingOptions { Temperature = -1 }.Validate()).Message;
        Assert.Equal(expected, Error(await Post("/v1/chat/completions", Chat().Replace("\"temperature\": 0", "\"temperature\": -1")), HttpStatusCode.BadRequest).GetProperty("message").GetString());
        Error(await Post("/v1/chat/completions", Chat(", \"top_p\": 0")), HttpStatusCode.BadRequest);
        Error(await Post("/v1/chat/completions", Chat(", \"presence_penalty\": 3")), HttpStatusCode.BadRequest);

        var tooLong = Error(await Post("/v1/chat/completions", Chat().Replace("\"max_tokens\": 4", $"\"max_tokens\": {ServerFixture.ContextLength}")), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", tooLong.GetProperty("code").GetString());

        Assert.Equal("invalid_api_key", Error(await Post("/v1/chat/completions", Chat(), key: null), HttpStatusCode.Unauthorized).GetProperty("code").GetString());
        Error(await Post("/v1/completions", Chat(), key: "wrong"), HttpStatusCode.Unauthorized);

        var ok = await Post("/v1/chat/completions", Chat());
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        var body = JsonDocument.Parse(ok.Body).RootElement;
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal(fx.Reference.Generate(Prompt(), Greedy(4)).Text, body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    static SamplingOptions Greedy(int max) => new() { Temperature = 0, MaxNewTokens = max };

    string Prompt() => fx.Served.RenderChat([new Generation.Chat.ChatMessage("user", "東京は")]);

    [Fact]
    public async Task HealthNeedsNoKey()
    {
        using var response = await _http.GetAsync(fx.BaseUrl + "/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var models = await _http.GetAsync(fx.BaseUrl + "/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode); // /v1 does need it
    }

    async Task<JsonElement> Metrics()
    {
        using var response = await _http.GetAsync(fx.BaseUrl + "/metrics"); // no key, like /health
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task MetricsCountRequestsTokensAndBusyTime()
    {
        var before = await Metrics();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var plain = await Post("/v1/chat/completions", Chat());
        var streamed = await Post("/v1/chat/completions", Chat(", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
        watch.Stop();
        var after = await Metrics();
        var usage = JsonDocument.Parse(plain.Body).RootElement.GetProperty("usage");
        var streamUsage = JsonDocument.Parse(streamed.Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^2]["data: ".Length..]).RootElement.GetProperty("usage");
        long Delta(string key) => after.GetProperty(key).GetInt64() - before.GetProperty(key).GetInt64();
        Assert.Equal(2, Delta("requests"));
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() + streamUsage.GetProperty("prompt_tokens").GetInt64(), Delta("prompt_tokens"));
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt64() + streamUsage.GetProperty("completion_tokens").GetInt64(), Delta("completion_tokens"));
        Assert.True(Delta("completion_tokens") > 0);
        // Busy while the two requests ran, and never longer than the client waited for them.
        double busy = after.GetProperty("busy_seconds").GetDouble() - before.GetProperty("busy_seconds").GetDouble();
        Assert.InRange(busy, 1e-6, watch.Elapsed.TotalSeconds);
    }

    [Fact]
    public async Task LegacyCompletionsAnswerWithTextAndUsage()
    {
        var r = await Post("/v1/completions", $$"""{"model": "{{ServerFixture.ModelName}}", "prompt": "東京は", "max_tokens": 6, "temperature": 0}""");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var body = JsonDocument.Parse(r.Body).RootElement;
        var expected = fx.Reference.Generate("東京は", Greedy(6));
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal(expected.Text, body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(expected.FinishReasonText, body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(expected.PromptTokens, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(expected.CompletionTokens, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task StreamingSendsDataLinesThenAUsageChunkThenDone()
    {
        var r = await Post("/v1/chat/completions", Chat(", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var events = r.Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        var expected = fx.Reference.Generate(Prompt(), Greedy(4));
        Assert.Equal(expected.CompletionTokens, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        Assert.Equal(expected.FinishReasonText, chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task LegacyCompletionsStreamTextChunksWhoseTextsConcatenateToTheResult()
    {
        var r = await Post("/v1/completions", $$"""{"model": "{{ServerFixture.ModelName}}", "prompt": "東京は", "max_tokens": 6, "temperature": 0, "stream": true}""");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var events = r.Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0]).ToList();
        Assert.Equal(fx.Reference.Generate("東京は", Greedy(6)).Text, string.Concat(chunks.Select(c => c.GetProperty("text").GetString())));
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.Equal(JsonValueKind.String, chunks[^1].GetProperty("finish_reason").ValueKind);
    }
}
