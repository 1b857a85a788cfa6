using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tsumugi.Serving.Tests;

/// <summary>
/// Bodies that are JSON but not text, and requests that cannot produce anything, get 400 with an OpenAI error body
/// (they used to get 500 with an internal message, or 200).
/// </summary>
public sealed class RequestTextHttpTests(ServerFixture fx) : IClassFixture<ServerFixture>, IDisposable
{
    readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fx.BaseUrl + path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServerFixture.ApiKey);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    static JsonElement Error((HttpStatusCode Status, JsonElement Body) r)
    {
        Assert.True(r.Status == HttpStatusCode.BadRequest, $"expected 400, got {(int)r.Status}: {r.Body}");
        var error = r.Body.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error;
    }

    static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Post_LoneSurrogateEscapeInContent_Returns400NamingTheField()
    {
        // The JSON text is pure ASCII; "\ud800" is a valid escape of an invalid code unit.
        string body = $$"""{"model": "{{ServerFixture.ModelName}}", "messages": [{"role": "user", "content": "東京\ud800"}], "max_tokens": 2}""";
        var error = Error(await Post("/v1/chat/completions", Utf8(body)));
        Assert.Equal("messages[0].content", error.GetProperty("param").GetString());
        Assert.Contains("surrogate", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_LoneSurrogateEscapeInPrompt_Returns400()
    {
        string body = $$"""{"model": "{{ServerFixture.ModelName}}", "prompt": "\udc00", "max_tokens": 2}""";
        Assert.Equal("prompt", Error(await Post("/v1/completions", Utf8(body))).GetProperty("param").GetString());
    }

    [Fact]
    public async Task Post_InvalidUtf8Bytes_Returns400InvalidEncoding()
    {
        var prefix = Utf8($$"""{"model": "{{ServerFixture.ModelName}}", "prompt": "東京""");
        byte[] body = [.. prefix, 0xFF, 0xFE, .. Utf8("\", \"max_tokens\": 2}")];
        var error = Error(await Post("/v1/completions", body));
        Assert.Equal("invalid_encoding", error.GetProperty("code").GetString());
        Assert.Contains($"offset {prefix.Length}", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_Utf8ByteOrderMark_IsAccepted()
    {
        byte[] body = [.. Encoding.UTF8.Preamble, .. Utf8($$"""{"model": "{{ServerFixture.ModelName}}", "prompt": "東京", "max_tokens": 2, "temperature": 0}""")];
        var (status, json) = await Post("/v1/completions", body);
        Assert.True(status == HttpStatusCode.OK, json.ToString());
    }

    [Theory]
    [InlineData("/v1/completions", "\"prompt\": \"東京\"", "max_tokens")]
    [InlineData("/v1/chat/completions", "\"messages\": [{\"role\": \"user\", \"content\": \"東京\"}]", "max_tokens")]
    [InlineData("/v1/chat/completions", "\"messages\": [{\"role\": \"user\", \"content\": \"東京\"}]", "max_completion_tokens")]
    public async Task Post_MaxTokensZero_Returns400NamingTheParameter(string path, string input, string field)
    {
        string body = $$"""{"model": "{{ServerFixture.ModelName}}", {{input}}, "{{field}}": 0}""";
        var error = Error(await Post(path, Utf8(body)));
        Assert.Equal(field, error.GetProperty("param").GetString());
        Assert.Equal("integer_below_min_value", error.GetProperty("code").GetString());
    }
}
