using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Serving.Server;

/// <summary>
/// Turns an OpenAI request body into a <see cref="CompletionRequest"/>, throwing <see cref="OpenAiException"/> with the
/// status and <c>param</c> an OpenAI client expects for each mistake. Unknown fields are ignored, as OpenAI does.
/// </summary>
public static class RequestParser
{
    /// <summary>Decoding that refuses invalid bytes instead of turning them into U+FFFD (and a prompt the client never sent).</summary>
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The request body as text (400 when it is not UTF-8), or 413 when it is larger than <paramref name="maxBytes"/>: at once from Content-Length,
    /// or (chunked uploads) when Kestrel's MaxRequestBodySize, set to the same limit, stops the read.
    /// </summary>
    public static async Task<string> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var tooLarge = new OpenAiException(413, $"The request body is larger than this server's limit of {maxBytes} bytes "
            + "(tsumugi serve --max-request-bytes); send a shorter prompt.", code: "request_too_large");
        if (request.ContentLength > maxBytes) throw tooLarge;
        using var bytes = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw tooLarge;
        }
        return DecodeUtf8(bytes.GetBuffer().AsSpan(0, (int)bytes.Length));
    }

    /// <summary>The body's text; a UTF-8 byte order mark is skipped, as a StreamReader would.</summary>
    public static string DecodeUtf8(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith(Encoding.UTF8.Preamble)) body = body[Encoding.UTF8.Preamble.Length..];
        try
        {
            return StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException e)
        {
            throw Bad($"The request body is not valid UTF-8 (invalid byte at offset {e.Index}); send the JSON encoded as UTF-8.", code: "invalid_encoding");
        }
    }

    public static JsonElement ParseBody(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("The request body must be a JSON object.");
            CheckStrings(doc.RootElement, "");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Bad($"The request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Reads every string and property name once, so an escape that is not text (a lone surrogate such as "\ud800")
    /// becomes a 400 naming its place here, rather than an exception wherever the field is first read.
    /// </summary>
    static void CheckStrings(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                try { e.GetString(); }
                catch (InvalidOperationException)
                {
                    string where = path.Length == 0 ? "the body" : $"'{path}'";
                    throw Bad($"{where} holds a string that is not valid Unicode (a lone surrogate escape such as \\ud800: "
                        + "\\uD800-\\uDBFF must be followed by \\uDC00-\\uDFFF). Send valid text.", path.Length == 0 ? null : path);
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) CheckStrings(item, $"{path}[{i++}]");
                break;
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    string name;
                    try { name = p.Name; }
                    catch (InvalidOperationException)
                    {
                        throw Bad($"A property name in {(path.Length == 0 ? "the body" : $"'{path}'")} is not valid Unicode (a lone surrogate escape). Send valid text.", path.Length == 0 ? null : path);
                    }
                    CheckStrings(p.Value, path.Length == 0 ? name : $"{path}.{name}");
                }
                break;
        }
    }

    public static CompletionRequest ParseChat(JsonElement body, PretrainedModel model, ServerOptions? limits = null)
    {
        CheckModel(body, model);
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            throw Bad("'messages' is required and must be an array.", "messages");
        if (messages.GetArrayLength() == 0) throw Bad("'messages' must contain at least one message.", "messages");
        var list = messages.EnumerateArray().Select((m, i) => ParseMessage(m, i)).ToList();
        string prompt;
        try
        {
            prompt = model.RenderChat(list);
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message, "messages"); // e.g. Llama-2 roles that do not alternate
        }
        // Chat: no max_tokens means "until EOS or the context is full", as vLLM does.
        // ChatML turns end with <|im_end|>, not the tokenizer's EOS: stop there too (and at the next message's opening),
        // as the client asked for one answer. The same stops as `chat` and `eval judge` (PretrainedModel.ChatStops).
        return Finish(body, model, limits, prompt, defaultMaxTokens: null, promptParam: "messages", model.ChatStops);
    }

    public static CompletionRequest ParseCompletion(JsonElement body, PretrainedModel model, ServerOptions? limits = null)
    {
        CheckModel(body, model);
        if (!body.TryGetProperty("prompt", out var p)) throw Bad("'prompt' is required.", "prompt");
        string prompt = p.ValueKind switch
        {
            JsonValueKind.String => p.GetString()!,
            JsonValueKind.Array when p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.String => p[0].GetString()!,
            _ => throw Bad("'prompt' must be a string (or an array with one string); batches and token arrays are not supported.", "prompt"),
        };
        return Finish(body, model, limits, prompt, defaultMaxTokens: 16, promptParam: "prompt", []); // the legacy endpoint's documented default
    }

    static ChatMessage ParseMessage(JsonElement m, int index)
    {
        string param = $"messages[{index}]";
        if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            throw Bad($"{param} must be an object with a string 'role'.", param);
        string content = "";
        if (m.TryGetProperty("content", out var c))
        {
            content = c.ValueKind switch
            {
                JsonValueKind.String => c.GetString()!,
                JsonValueKind.Null => "",
                // Content parts: only text parts carry meaning for a text model.
                JsonValueKind.Array => string.Concat(c.EnumerateArray().Select(part =>
                    part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.GetString() == "text"
                        && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                        ? text.GetString()
                        : throw Bad($"{param}.content: only text parts are supported.", $"{param}.content"))),
                _ => throw Bad($"{param}.content must be a string or an array of text parts.", $"{param}.content"),
            };
        }
        return new ChatMessage(role.GetString()!, content);
    }

    static void CheckModel(JsonElement body, PretrainedModel model)
    {
        if (!body.TryGetProperty("model", out var m) || m.ValueKind != JsonValueKind.String)
            throw Bad("'model' is required.", "model");
        if (m.GetString() != model.Name)
            throw new OpenAiException(404, $"The model '{m.GetString()}' does not exist; this server serves '{model.Name}'.", param: "model", code: "model_not_found");
    }

    static CompletionRequest Finish(JsonElement body, PretrainedModel model, ServerOptions? limits, string prompt, int? defaultMaxTokens, string promptParam,
        IReadOnlyList<string> formatStops)
    {
        int n = Int(body, "n") ?? 1;
        if (n != 1) throw Bad($"n must be 1 (got {n}); several choices per request are not supported yet.", "n");
        var promptIds = PromptEncoding.Encode(model.Tokenizer, prompt, addBos: true); // as the server's TextGenerator encodes
        if (limits?.MaxPromptTokens is { } maxPrompt && promptIds.Count > maxPrompt)
            throw Bad($"The prompt has {promptIds.Count} tokens; this server accepts at most {maxPrompt} (tsumugi serve --max-prompt-tokens). "
                + "Shorten the prompt.", promptParam, "context_length_exceeded");
        int room = model.ContextLength - promptIds.Count;
        string maxParam = body.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens";
        int? maxTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens");
        int cap = limits?.MaxTokensLimit ?? int.MaxValue;
        // OpenAI refuses 0 too: a request that may generate nothing is a client bug, not an empty answer.
        if (maxTokens < 1)
            throw Bad($"{maxParam} must be at least 1 (got {maxTokens}).", maxParam, "integer_below_min_value");
        if (maxTokens > cap)
            throw Bad($"{maxParam} is {maxTokens}; this server allows at most {cap} new tokens per request (tsumugi serve --max-tokens-limit).", maxParam);
        var options = new SamplingOptions
        {
            MaxNewTokens = maxTokens ?? Math.Min(Math.Min(defaultMaxTokens ?? int.MaxValue, cap), Math.Max(room, 0)),
            Temperature = Double(body, "temperature") ?? 1, // OpenAI defaults: plain sampling, no nucleus cut
            TopP = Double(body, "top_p") ?? 1,
            FrequencyPenalty = Double(body, "frequency_penalty") ?? 0,
            PresencePenalty = Double(body, "presence_penalty") ?? 0,
            Stop = [.. Stops(body), .. formatStops],
            // No seed: a fresh one per request, so repeated requests differ as they do with OpenAI.
            Seed = Long(body, "seed") ?? Random.Shared.NextInt64(),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message);
        }
        if (promptIds.Count + options.MaxNewTokens > model.ContextLength)
            throw Bad($"This model's maximum context length is {model.ContextLength} tokens; the prompt has {promptIds.Count} and "
                + $"{options.MaxNewTokens} more were requested. Shorten the prompt or lower max_tokens.", promptParam, "context_length_exceeded");
        bool stream = Bool(body, "stream") ?? false;
        bool includeUsage = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object && (Bool(so, "include_usage") ?? false);
        return new CompletionRequest(prompt, promptIds, options, stream, includeUsage);
    }

    static IReadOnlyList<string> Stops(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var s) || s.ValueKind == JsonValueKind.Null) return [];
        if (s.ValueKind == JsonValueKind.String) return [s.GetString()!];
        if (s.ValueKind == JsonValueKind.Array && s.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
            return s.EnumerateArray().Select(x => x.GetString()!).ToList();
        throw Bad("'stop' must be a string or an array of strings.", "stop");
    }

    static int? Int(JsonElement body, string name) =>
        Get(body, name) is { } v ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad($"'{name}' must be an integer.", name) : null;

    static long? Long(JsonElement body, string name) =>
        Get(body, name) is { } v ? v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long i) ? i : throw Bad($"'{name}' must be an integer.", name) : null;

    static double? Double(JsonElement body, string name) =>
        Get(body, name) is { } v ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad($"'{name}' must be a number.", name) : null;

    static bool? Bool(JsonElement body, string name) =>
        Get(body, name) is { } v ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad($"'{name}' must be a boolean.", name) : null;

    /// <summary>The field, or null when it is absent or JSON null (clients send null for "use the default").</summary>
    static JsonElement? Get(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    static OpenAiException Bad(string message, string? param = null, string? code = null) => new(400, message, param: param, code: code);
}
