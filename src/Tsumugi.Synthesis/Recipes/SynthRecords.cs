using System.Text.Json.Nodes;
using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// The output shapes: SFT records as OpenAI <c>messages</c> and DPO pairs as conversational prompt / chosen / rejected
/// (what <c>tsumugi sft</c> and <c>tsumugi dpo</c> read with <c>format: auto</c>), each with a <c>meta</c> object of
/// provenance: recipe, item key, seed id, the endpoint and model that wrote the answer, and recipe-specific facts.
/// </summary>
public static class SynthRecords
{
    public static JsonObject Sft(IEnumerable<ChatTurn> messages, JsonObject meta) => new()
    {
        ["messages"] = Turns(messages),
        ["meta"] = meta,
    };

    public static JsonObject Pair(IEnumerable<ChatTurn> prompt, string chosen, string rejected, JsonObject meta) => new()
    {
        ["prompt"] = Turns(prompt),
        ["chosen"] = Turns([ChatTurn.Assistant(chosen)]),
        ["rejected"] = Turns([ChatTurn.Assistant(rejected)]),
        ["meta"] = meta,
    };

    /// <summary>Provenance every record carries; <paramref name="answer"/> is the reply that wrote the record's answer.</summary>
    public static JsonObject Meta(string recipe, SynthItem item, ChatReply answer) => new()
    {
        ["recipe"] = recipe,
        ["key"] = item.Key,
        ["seed_id"] = item.Input?.Id,
        ["endpoint"] = answer.Endpoint,
        ["model"] = answer.Model,
    };

    /// <summary>The stand-in for an item whose request the endpoint refused (kept in rejected/ with the reason): its provenance only.</summary>
    public static JsonObject Refused(string recipe, SynthItem item) => new()
    {
        ["meta"] = new JsonObject { ["recipe"] = recipe, ["key"] = item.Key, ["seed_id"] = item.Input?.Id },
    };

    static JsonArray Turns(IEnumerable<ChatTurn> turns) =>
        new(turns.Select(t => (JsonNode)new JsonObject { ["role"] = t.Role, ["content"] = t.Content }).ToArray());
}
