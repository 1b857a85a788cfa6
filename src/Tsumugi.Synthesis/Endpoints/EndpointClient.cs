using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using OpenAI;
using OpenAI.Chat;

namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// Sends chat completions to one OpenAI-compatible endpoint through the official OpenAI .NET client, retrying what a
/// long synthesis run meets by the thousand: timeouts, dropped connections, 408, 429, 5xx, and bodies a proxy cut
/// (unreadable JSON is transient here, unlike for the judge, where it means an incompatible server). Retries wait
/// the server's Retry-After (capped at <see cref="EndpointSettings.BackoffMax"/>) or an exponential backoff with full
/// jitter, so many workers hitting one rate limit do not come back in lockstep. Other 4xx fail at once. Every
/// attempt and outcome is counted in <see cref="Tally"/>. Thread-safe; the caller bounds concurrency (the pool).
/// </summary>
public sealed class EndpointClient : IChatEndpoint
{
    static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(10);

    readonly ChatClient _chat;
    readonly HttpClient _http = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan }; // preflight only; own timeout

    public EndpointSettings Settings { get; }
    public EndpointTally Tally { get; }

    public EndpointClient(EndpointSettings settings)
    {
        settings.Validate();
        Settings = settings;
        Tally = new EndpointTally(settings);
        _chat = new ChatClient(settings.Model, new ApiKeyCredential(settings.ApiKey), new OpenAIClientOptions
        {
            Endpoint = settings.BaseUri,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retried here, where failures are classified and counted
            NetworkTimeout = settings.Timeout + TimeSpan.FromSeconds(5), // our own per-attempt cancellation fires first
        });
    }

    /// <summary>One failed attempt: its tally kind, a one-line reason, whether a retry may help, and the server's Retry-After.</summary>
    readonly record struct Failure(string Kind, string Message, bool Transient, TimeSpan? RetryAfter = null, int Status = 0);

    public async Task<ChatReply> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var messages = request.Messages.Select(ToMessage).ToList();
#pragma warning disable OPENAI001 // Seed is marked experimental in the client; tsumugi serve and vLLM honour it
        var options = new ChatCompletionOptions
        {
            Temperature = (float)request.Temperature, TopP = (float)request.TopP, MaxOutputTokenCount = request.MaxTokens, Seed = request.Seed,
        };
#pragma warning restore OPENAI001
        for (int attempt = 1; ; attempt++)
        {
            Tally.Attempt(retry: attempt > 1);
            Failure failure;
            long start = Stopwatch.GetTimestamp();
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(Settings.Timeout);
                try
                {
                    var completion = (await _chat.CompleteChatAsync(messages, options, timeout.Token).ConfigureAwait(false)).Value;
                    string text = string.Concat(completion.Content.Select(part => part.Text)), finish = FinishReason(completion.FinishReason);
                    long promptTokens = completion.Usage?.InputTokenCount ?? 0, completionTokens = completion.Usage?.OutputTokenCount ?? 0;
                    Tally.Succeeded(promptTokens, completionTokens, Stopwatch.GetElapsedTime(start));
                    return new ChatReply(text, finish, promptTokens, completionTokens, attempt, Settings.Name, Settings.Model, Settings.Cost(promptTokens, completionTokens));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    Tally.AttemptFailed("cancelled");
                    Tally.RequestFailed();
                    throw;
                }
                catch (OperationCanceledException)
                {
                    failure = new("timeout", $"no answer within {Settings.Timeout.TotalSeconds:0.###} s (timeout_s)", true);
                }
                catch (ClientResultException e)
                {
                    failure = Classify(e);
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    failure = new("connection", $"connection failed: {Innermost(e)}", true);
                }
                catch (Exception e)
                {
                    // The client could not read the body (cut JSON, a proxy's HTML page): another attempt usually reads a whole one.
                    failure = new("bad_response", $"unreadable response: {e.GetType().Name}: {Compact(e.Message)}", true);
                }
            }
            Tally.AttemptFailed(failure.Kind);
            if (!failure.Transient || attempt > Settings.Retries)
            {
                Tally.RequestFailed();
                throw new EndpointException(Settings.Name, failure.Kind, failure.Transient
                    ? $"{failure.Message} — gave up after {attempt} attempt(s) (retries: {Settings.Retries})"
                    : failure.Message, failure.Status);
            }
            try
            {
                await Task.Delay(Backoff(attempt, failure.RetryAfter), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Tally.RequestFailed();
                throw;
            }
        }
    }

    /// <summary>
    /// The wait before retry number <paramref name="attempt"/>: the server's Retry-After when it sent one, else a
    /// uniform draw from [0, min(BackoffMax, BackoffBase·2^(attempt-1))]; never longer than BackoffMax.
    /// </summary>
    TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } wait) return wait < Settings.BackoffMax ? wait : Settings.BackoffMax;
        double cap = Math.Min(Settings.BackoffMax.TotalSeconds, Settings.BackoffBase.TotalSeconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromSeconds(cap * Random.Shared.NextDouble());
    }

    Failure Classify(ClientResultException e)
    {
        // The client's message is "HTTP 429 (type: code)\n\nthe server's message"; status 0 means no HTTP answer at all.
        string message = Compact(e.Message) is var m && (e.Status == 0 || m.StartsWith("HTTP ", StringComparison.Ordinal)) ? m : $"HTTP {e.Status}: {m}";
        return e.Status switch
        {
            0 => new("connection", $"connection failed: {(e.InnerException is { } inner ? Innermost(inner) : message)}", true),
            408 => new("timeout", message, true),
            429 => new("http_429", message, true, RetryAfter(e.GetRawResponse())),
            >= 500 => new("http_5xx", message, true, RetryAfter(e.GetRawResponse())),
            401 or 403 => new("http_4xx", $"{message}; {KeyHint()}", false, Status: e.Status),
            404 => new("http_4xx", $"{message}; check url ({Settings.Url}) and model ('{Settings.Model}')", false, Status: e.Status),
            _ => new("http_4xx", message, false, Status: e.Status),
        };
    }

    /// <summary>Retry-After in seconds or as an HTTP date, or OpenAI's retry-after-ms; null when absent or unreadable.</summary>
    static TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value)) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            return date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero;
        return null;
    }

    string KeyHint() => Settings.KeyVariable is { } variable
        ? $"the API key from ${variable} was rejected; export the right key"
        : "the endpoint wants an API key: set api_key_env to the environment variable that holds it";

    /// <summary>
    /// Preflight: <c>GET {url}/models</c> within 10 s, so a wrong URL or key stops the run before its first request
    /// instead of failing thousands of them. 404 passes (some servers have no /models).
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var url = Settings.BaseUri.AbsoluteUri.TrimEnd('/') + "/models";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Settings.ApiKey);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EndpointException(Settings.Name, "connection",
                $"unreachable at {Settings.Url} (no answer to GET {url} within {CheckTimeout.TotalSeconds:0} s); start the server or fix this endpoint's url");
        }
        catch (HttpRequestException e)
        {
            throw new EndpointException(Settings.Name, "connection",
                $"unreachable at {Settings.Url} ({Innermost(e)}); start the server or fix this endpoint's url");
        }
        using (response)
        {
            int status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound) return;
            if (status is 401 or 403) throw new EndpointException(Settings.Name, "http_4xx", $"GET {url} answered HTTP {status}: {KeyHint()}");
            var body = Compact(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
            throw new EndpointException(Settings.Name, status == 429 ? "http_429" : status >= 500 ? "http_5xx" : "http_4xx",
                $"GET {url} answered HTTP {status}{(body.Length > 0 ? $": {body}" : "")}; check the endpoint's url and that the server is healthy");
        }
    }

    static ChatMessage ToMessage(ChatTurn turn) => turn.Role switch
    {
        "system" => new SystemChatMessage(turn.Content),
        "user" => new UserChatMessage(turn.Content),
        "assistant" => new AssistantChatMessage(turn.Content),
        _ => throw new ArgumentException($"chat role '{turn.Role}' is not system, user or assistant"),
    };

    static string FinishReason(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.FunctionCall => "function_call",
        _ => reason.ToString().ToLowerInvariant(),
    };

    /// <summary>The root cause's message (e.g. "Connection refused" under HttpRequestException and SocketException).</summary>
    static string Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return Compact(e.Message);
    }

    static string Compact(string message) => Evaluation.Judging.JudgeClient.Compact(message);

    public void Dispose() => _http.Dispose();
}
