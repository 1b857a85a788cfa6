using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Serving.Server;

/// <summary>Renders chat messages into the prompt text the model was tuned on.</summary>
public static class ChatPrompt
{
    /// <summary>The instruction preamble llm-jp and Tanuki instruction models were tuned with; a system message replaces it.</summary>
    public const string InstructionPreamble = "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。";

    /// <summary>
    /// ChatML when the model's chat_template mentions <c>&lt;|im_start|&gt;</c>; otherwise (other template, no template,
    /// no tokenizer_config.json) the instruction format, which base and llm-jp-style models follow best.
    /// </summary>
    public static ChatPromptFormat Detect(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path)) return ChatPromptFormat.Instruction;
        // chat_template is a string or (newer HF) a list of named templates; the relaxed encoder keeps '<' unescaped
        // in the list case, so the marker search sees the template text either way.
        var node = JsonNode.Parse(File.ReadAllText(path))?["chat_template"];
        var template = node is JsonValue v && v.TryGetValue(out string? text) ? text
            : node?.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "";
        return template.Contains("<|im_start|>", StringComparison.Ordinal) ? ChatPromptFormat.ChatMl : ChatPromptFormat.Instruction;
    }

    public static string Render(IReadOnlyList<ChatMessage> messages, ChatPromptFormat format) => format switch
    {
        ChatPromptFormat.ChatMl => RenderChatMl(messages),
        _ => RenderInstruction(messages),
    };

    static string RenderChatMl(IReadOnlyList<ChatMessage> messages)
    {
        var sb = new StringBuilder();
        foreach (var m in messages) sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        return sb.Append("<|im_start|>assistant\n").ToString();
    }

    static string RenderInstruction(IReadOnlyList<ChatMessage> messages)
    {
        // System/developer text replaces the preamble; earlier assistant turns stay as answered responses so
        // multi-turn conversations keep their history in the one format the model knows.
        var system = string.Join("\n", messages.Where(m => m.Role is "system" or "developer").Select(m => m.Content));
        var sb = new StringBuilder(system.Length > 0 ? system : InstructionPreamble).Append("\n\n");
        foreach (var m in messages)
        {
            if (m.Role == "assistant") sb.Append("### 応答:\n").Append(m.Content).Append("\n\n");
            else if (m.Role is not ("system" or "developer")) sb.Append("### 指示:\n").Append(m.Content).Append("\n\n");
        }
        return sb.Append("### 応答:\n").ToString();
    }
}
