using System.Net;
using System.Text;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>
/// The server's configurable limits (request body bytes, prompt tokens, new tokens per request) answer with OpenAI
/// error bodies, and the server keeps serving afterwards. Each test starts its own small-limit server on a free port.
/// </summary>
public sealed class LimitsTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>, IAsyncLifetime
{
    const string Name = "tiny-limits";
    const int MaxBytes = 4096, MaxPromptTokens = 200, MaxTokens = 8;

    readonly HttpClient _http = new();
    OpenAiServer? _server;
    OpenAiServer? _llama2;

    TextGenerator Generator => new(tiny.Model, tiny.Tokenizer);
    PretrainedModel Served(ChatPromptFormat format) => new(tiny.Model, tiny.Tokenizer, Name, format); // not disposed: the model is the fixture's

    static ServerOptions Limits => new()
    {
        Host = "127.0.0.1", Port = 0, MaxRequestBytes = MaxBytes, MaxPromptTokens = MaxPromptTokens, MaxTokensLimit = MaxTokens,
    };

    public async Task InitializeAsync()
    {
        _server = new OpenAiServer(Served(ChatPromptFormat.Instruction), Limits);
        await _server.StartAsync();
        _llama2 = new OpenAiServer(Served(ChatPromptFormat.Llama2), Limits);
        await _llama2.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        if (_llama2 is not null) await _llama2.DisposeAsync();
    }

    async Task<(HttpStatusCode Status, string Body)> Post(HttpContent content, string path = "/v1/completions", OpenAiServer? server = null)
    {
        using var response = await _http.PostAsync((server ?? _server)!.BaseUrl + path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    Task<(HttpStatusCode Status, string Body)> Post(string json, string path = "/v1/completions", OpenAiServer? server = null) =>
        Post(new StringContent(json, Encoding.UTF8, "application/json"), path, server);

    static string Completion(string prompt, string extra = "") =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["model"] = Name, ["prompt"] = prompt, ["temperature"] = 0 })[..^1] + extra + "}";

    static JsonElement Error((HttpStatusCode Status, string Body) r, HttpStatusCode expected)
    {
        Assert.True(r.Status == expected, $"expected {expected}, got {r.Status}: {r.Body}");
        var error = JsonDocument.Parse(r.Body).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error;
    }

    async Task AssertStillServes()
    {
        var ok = await Post(Completion("ab", ""","max_tokens": 2"""));
        Assert.True(ok.Status == HttpStatusCode.OK, ok.Body);
    }

    [Fact]
    public async Task ABodyOverTheByteLimitIs413WithOrWithoutContentLength()
    {
        var big = Completion(new string('a', MaxBytes));
        var sized = Error(await Post(big), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", sized.GetProperty("code").GetString());
        Assert.Contains("--max-request-bytes", sized.GetProperty("message").GetString());

        // Chunked upload: no Content-Length, so Kestrel's MaxRequestBodySize stops the read. The server answers 413 and
        // closes while the client may still be sending; on a loaded machine the client can then see the reset before the
        // answer ("response ended prematurely", or a broken pipe on its next write) — a transport race, so those
        // outcomes are tried again.
        (HttpStatusCode, string)? answer = null;
        for (var attempt = 0; answer is null; attempt++)
        {
            var chunked = new StreamContent(new NoLengthStream(Encoding.UTF8.GetBytes(big)));
            chunked.Headers.ContentType = new("application/json");
            try
            {
                answer = await Post(chunked);
            }
            catch (HttpRequestException e) when (attempt < 5 && (e.HttpRequestError == HttpRequestError.ResponseEnded || e.InnerException is IOException))
            {
            }
        }
        var streamed = Error(answer.Value, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", streamed.GetProperty("code").GetString());

        // Just under the limit is read and parsed (here: a prompt too long in tokens, so 400, not 413).
        var under = Completion(new string('a', MaxBytes - 200));
        Assert.True(Encoding.UTF8.GetByteCount(under) < MaxBytes);
        Error(await Post(under), HttpStatusCode.BadRequest);
        await AssertStillServes();
    }

    [Fact]
    public async Task APromptOverTheTokenLimitIs400()
    {
        var prompt = string.Concat(Enumerable.Repeat("東京は。", 80));
        Assert.True(Generator.EncodePrompt(prompt).Count > MaxPromptTokens);
        var error = Error(await Post(Completion(prompt, ""","max_tokens": 1""")), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("prompt", error.GetProperty("param").GetString());
        Assert.Contains("--max-prompt-tokens", error.GetProperty("message").GetString());
        await AssertStillServes();
    }

    [Fact]
    public async Task AskingForMoreTokensThanTheLimitIs400AndAnUnboundedChatIsCapped()
    {
        var maxTokens = Error(await Post(Completion("ab", $""","max_tokens": {MaxTokens + 1}""")), HttpStatusCode.BadRequest);
        Assert.Equal("max_tokens", maxTokens.GetProperty("param").GetString());
        var maxCompletion = Error(await Post(Completion("ab", $""","max_completion_tokens": {MaxTokens + 1}""")), HttpStatusCode.BadRequest);
        Assert.Equal("max_completion_tokens", maxCompletion.GetProperty("param").GetString());

        // A chat request with no max_tokens runs until EOS or the context is full; the limit caps it.
        var chat = $$"""{"model": "{{Name}}", "messages": [{"role": "user", "content": "ab"}], "temperature": 0}""";
        var prompt = ChatPrompt.Render(BuiltInChatTemplates.For(ChatPromptFormat.Instruction), [new("user", "ab")]);
        var unbounded = Generator.Generate(prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = 4 * MaxTokens });
        Assert.True(unbounded.CompletionTokens > MaxTokens, "the tiny model should not stop by itself within the limit");
        var r = await Post(chat, "/v1/chat/completions");
        Assert.True(r.Status == HttpStatusCode.OK, r.Body);
        var body = JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal(MaxTokens, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(Generator.Generate(prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = MaxTokens }).Text,
            body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task ALlama2ConversationWhoseRolesDoNotAlternateIs400()
    {
        var bad = $$"""{"model": "{{Name}}", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "max_tokens": 2}""";
        var error = Error(await Post(bad, "/v1/chat/completions", _llama2), HttpStatusCode.BadRequest);
        Assert.Equal("messages", error.GetProperty("param").GetString());
        Assert.Contains("messages[1]", error.GetProperty("message").GetString());
        var good = $$"""{"model": "{{Name}}", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "a"}], "max_tokens": 2}""";
        var ok = await Post(good, "/v1/chat/completions", _llama2);
        Assert.True(ok.Status == HttpStatusCode.OK, ok.Body);
    }

    [Theory]
    [InlineData(0L, null, null)]
    [InlineData(1024L, 0, null)]
    [InlineData(1024L, null, -1)]
    public void NonPositiveLimitsAreRejected(long bytes, int? promptTokens, int? maxTokens) =>
        Assert.Throws<ArgumentException>(() => new ServerOptions { MaxRequestBytes = bytes, MaxPromptTokens = promptTokens, MaxTokensLimit = maxTokens }.Validate());

    /// <summary>A readable stream that hides its length, so HttpClient sends it chunked.</summary>
    sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
