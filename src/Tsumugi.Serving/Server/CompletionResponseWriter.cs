using System.Text.Json.Nodes;
using Tsumugi.Generation;

namespace Tsumugi.Serving.Server;

/// <summary>
/// Builds the response objects of one request: chat.completion / text_completion, and their streamed chunks, all with
/// the same id and created. Fields the official clients require (logprobs, refusal) are present as null.
/// </summary>
public sealed class CompletionResponseWriter(bool chat, string model, string id, long created)
{
    public bool IsChat => chat;

    public JsonObject Full(GenerationResult result)
    {
        var choice = new JsonObject { ["index"] = 0 };
        if (chat) choice["message"] = new JsonObject { ["role"] = "assistant", ["content"] = result.Text, ["refusal"] = null };
        else choice["text"] = result.Text;
        choice["logprobs"] = null;
        choice["finish_reason"] = result.FinishReasonText;
        var o = Header(chat ? "chat.completion" : "text_completion");
        o["choices"] = new JsonArray(choice);
        o["usage"] = Usage(result);
        return o;
    }

    /// <summary>A streamed chunk; <paramref name="role"/> marks the first chat chunk, which announces the assistant.</summary>
    public JsonObject Chunk(string text, bool role, string? finishReason)
    {
        var choice = new JsonObject { ["index"] = 0 };
        if (chat)
        {
            var delta = new JsonObject();
            if (role) delta["role"] = "assistant";
            if (text.Length > 0 || role) delta["content"] = text;
            choice["delta"] = delta;
        }
        else choice["text"] = text;
        choice["logprobs"] = null;
        choice["finish_reason"] = finishReason;
        var o = Header(chat ? "chat.completion.chunk" : "text_completion");
        o["choices"] = new JsonArray(choice);
        o["usage"] = null;
        return o;
    }

    /// <summary>The stream_options.include_usage chunk: no choices, usage filled, sent just before [DONE].</summary>
    public JsonObject UsageChunk(GenerationResult result)
    {
        var o = Header(chat ? "chat.completion.chunk" : "text_completion");
        o["choices"] = new JsonArray();
        o["usage"] = Usage(result);
        return o;
    }

    JsonObject Header(string kind) => new() { ["id"] = id, ["object"] = kind, ["created"] = created, ["model"] = model };

    static JsonObject Usage(GenerationResult r) => new()
    {
        ["prompt_tokens"] = r.PromptTokens,
        ["completion_tokens"] = r.CompletionTokens,
        ["total_tokens"] = r.PromptTokens + r.CompletionTokens,
    };
}
