using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>
/// Reads a model directory's own chat template as transformers finds it: <c>chat_template.jinja</c> (newer
/// transformers writes it beside the config) or the <c>chat_template</c> field of tokenizer_config.json, which is
/// a string or a list of named templates (<c>[{"name": "default", "template": …}, {"name": "tool_use", …}]</c>).
/// The special tokens of tokenizer_config.json (strings or <c>{"content": …}</c> objects) come with it.
/// </summary>
public static class ModelChatTemplate
{
    static readonly string[] SpecialTokenNames = ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

    /// <summary>The template, or null when the directory has none. <paramref name="name"/> picks a named template (default: "default").</summary>
    public static ChatTemplate? Load(string directory, string? name = null)
    {
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        JsonObject? config = null;
        if (File.Exists(configPath))
        {
            try
            {
                config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{configPath}: not valid JSON ({e.Message}); fix or delete the file.", e);
            }
        }
        var tokens = SpecialTokens(config);
        var jinjaPath = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinjaPath) && name is null)
            return ChatTemplate.Parse(File.ReadAllText(jinjaPath), tokens, jinjaPath);
        switch (config?["chat_template"])
        {
            case JsonValue v when v.TryGetValue(out string? text) && text.Length > 0:
                if (name is not null && name != "default")
                    throw new InvalidDataException($"{configPath}: chat_template is a single template; there is no template named '{name}'.");
                return ChatTemplate.Parse(text, tokens, $"{configPath} chat_template");
            case JsonArray list:
                var wanted = name ?? "default";
                var entry = list.OfType<JsonObject>().FirstOrDefault(o => o["name"]?.GetValue<string>() == wanted)
                    ?? throw new InvalidDataException($"{configPath}: chat_template has no template named '{wanted}' (it has: "
                        + string.Join(", ", list.OfType<JsonObject>().Select(o => o["name"]?.ToString())) + ").");
                var template = entry["template"]?.GetValue<string>() ?? throw new InvalidDataException($"{configPath}: chat_template '{wanted}' has no template text.");
                return ChatTemplate.Parse(template, tokens, $"{configPath} chat_template '{wanted}'");
            default:
                return null;
        }
    }

    static Dictionary<string, string> SpecialTokens(JsonObject? config)
    {
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in SpecialTokenNames)
        {
            var text = config?[name] switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonObject o => o["content"]?.GetValue<string>(),
                _ => null,
            };
            if (text is not null) tokens[name] = text;
        }
        return tokens;
    }
}
