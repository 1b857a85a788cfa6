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
    /// <summary>
    /// The request body as text, or 413 when it is larger than <paramref name="maxBytes"/>: at once from Content-Length,
    /// or (chunked uploads) when Kestrel's MaxRequestBodySize, set to the same limit, stops the read.
    /// </summary>
    public static async Task<string> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var tooLarge = new OpenAiException(413, $"The request body is larger than this server's limit of {maxBytes} bytes "
            + "(tsumugi serve --max-request-bytes); send a shorter prompt.", code: "request_too_large");
        if (request.ContentLength > maxBytes) throw tooLarge;
        try
        {
            using var reader = new StreamReader(request.Body);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw tooLarge;
        }
    }

    public static JsonElement ParseBody(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("The request body must be a JSON object.");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Bad($"The request body is not valid JSON: {e.Message}");
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
            prompt = ChatPrompt.Render(list, model.ChatFormat);
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message, "messages"); // e.g. Llama-2 roles that do not alternate
        }
        // Chat: no max_tokens means "until EOS or the context is full", as vLLM does.
        // ChatML turns end with <|im_end|>, not the tokenizer's EOS: stop there too, as the client asked for one answer.
        return Finish(body, model, limits, prompt, defaultMaxTokens: null, promptParam: "messages", ChatPrompt.TurnEndStops(model.ChatFormat));
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
