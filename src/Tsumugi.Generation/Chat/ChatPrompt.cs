using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation.Chat;

/// <summary>Renders chat messages into the prompt text the model was tuned on.</summary>
public static class ChatPrompt
{
    /// <summary>The instruction preamble llm-jp and Tanuki instruction models were tuned with; a system message replaces it.</summary>
    public const string InstructionPreamble = "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。";

    /// <summary>The names <c>--chat-format</c> accepts, in <see cref="ChatPromptFormat"/> order of the help text.</summary>
    public const string FormatNames = "chatml, llama2, instruction (llm-jp/Tanuki)";

    /// <summary>The format to use for a model directory; see <see cref="Inspect"/>.</summary>
    public static ChatPromptFormat Detect(string modelDirectory) => Inspect(modelDirectory).Format;

    /// <summary>
    /// Recognises the chat_template in tokenizer_config.json by its markers: <c>&lt;|im_start|&gt;</c> → ChatML;
    /// <c>[INST]</c> with <c>&lt;&lt;SYS&gt;&gt;</c> → Llama-2; <c>### 指示</c> / <c>### 応答</c> → the instruction format.
    /// No file or no template → the instruction format, which base and llm-jp-style models follow best. Any other
    /// template (Llama-3 headers, Mistral's [INST] without &lt;&lt;SYS&gt;&gt;, …) also falls back to it, with a warning
    /// naming the override.
    /// </summary>
    public static ChatPromptDetection Inspect(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path)) return new(ChatPromptFormat.Instruction, "no tokenizer_config.json: instruction format");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path))?["chat_template"];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); fix or delete the file.", e);
        }
        // chat_template is a string or (newer HF) a list of named templates; the relaxed encoder keeps '<' unescaped
        // in the list case, so the marker search sees the template text either way.
        var template = node is JsonValue v && v.TryGetValue(out string? text) ? text
            : node?.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "";
        if (template.Length == 0) return new(ChatPromptFormat.Instruction, "no chat_template in tokenizer_config.json: instruction format");
        if (template.Contains("<|im_start|>", StringComparison.Ordinal)) return new(ChatPromptFormat.ChatMl, "chat_template: ChatML");
        if (template.Contains("[INST]", StringComparison.Ordinal) && template.Contains("<<SYS>>", StringComparison.Ordinal))
            return new(ChatPromptFormat.Llama2, "chat_template: Llama-2");
        if (template.Contains("### 指示", StringComparison.Ordinal) || template.Contains("### 応答", StringComparison.Ordinal))
            return new(ChatPromptFormat.Instruction, "chat_template: llm-jp/Tanuki instruction");
        return new(ChatPromptFormat.Instruction, "unrecognised chat_template: instruction format",
            $"{path}: the chat_template matches none of the built-in formats (ChatML '<|im_start|>', Llama-2 '[INST]' + '<<SYS>>', "
            + "llm-jp/Tanuki '### 指示:'); using the instruction format. Pass --chat-format chatml|llama2|instruction to choose one.");
    }

    /// <summary>Parses a <c>--chat-format</c> value (case-insensitive; llm-jp and tanuki are aliases of instruction).</summary>
    public static ChatPromptFormat ParseFormat(string name) => name.Trim().ToLowerInvariant() switch
    {
        "chatml" => ChatPromptFormat.ChatMl,
        "llama2" or "llama-2" => ChatPromptFormat.Llama2,
        "instruction" or "llm-jp" or "tanuki" => ChatPromptFormat.Instruction,
        _ => throw new ArgumentException($"Unknown chat format '{name}'; use one of: {FormatNames}."),
    };

    /// <summary>The canonical <c>--chat-format</c> name of a format.</summary>
    public static string Name(ChatPromptFormat format) => format switch
    {
        ChatPromptFormat.ChatMl => "chatml",
        ChatPromptFormat.Llama2 => "llama2",
        _ => "instruction",
    };

    /// <summary>
    /// The prompt for the assistant's next turn. Throws <see cref="ArgumentException"/> (naming the message) for a
    /// conversation the format cannot express, as the HF templates raise.
    /// </summary>
    public static string Render(IReadOnlyList<ChatMessage> messages, ChatPromptFormat format) => format switch
    {
        ChatPromptFormat.ChatMl => RenderChatMl(messages),
        ChatPromptFormat.Llama2 => RenderLlama2(messages),
        _ => RenderInstruction(messages),
    };

    /// <summary>
    /// Text that ends the assistant's turn but is not the tokenizer's EOS: ChatML's &lt;|im_end|&gt; (Llama-2 and the
    /// instruction format end turns with &lt;/s&gt;, which stops generation already).
    /// </summary>
    public static IReadOnlyList<string> TurnEndStops(ChatPromptFormat format) => format == ChatPromptFormat.ChatMl ? ["<|im_end|>"] : [];

    /// <summary>
    /// Token ids that end generation for a model in this chat format: the tokenizer's EOS, and for ChatML the id of
    /// &lt;|im_end|&gt; when the vocabulary has it as one piece (the eos_token our ChatML tokenizer_config.json declares).
    /// The id matters where the piece is a control symbol, which decodes to no text, so the stop string never sees it.
    /// </summary>
    public static IReadOnlyCollection<int> StopIds(ChatPromptFormat format, SpmTokenizer tokenizer)
    {
        var ids = new List<int> { tokenizer.EosId };
        if (format == ChatPromptFormat.ChatMl && tokenizer.PieceToId("<|im_end|>") is var end && tokenizer.IdToPiece(end) == "<|im_end|>")
            ids.Add(end);
        return ids;
    }

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
        var system = string.Join("\n", messages.Where(m => IsSystem(m.Role)).Select(m => m.Content));
        var sb = new StringBuilder(system.Length > 0 ? system : InstructionPreamble).Append("\n\n");
        foreach (var m in messages)
        {
            if (m.Role == "assistant") sb.Append("### 応答:\n").Append(m.Content).Append("\n\n");
            else if (!IsSystem(m.Role)) sb.Append("### 指示:\n").Append(m.Content).Append("\n\n");
        }
        return sb.Append("### 応答:\n").ToString();
    }

    /// <summary>
    /// Exactly what meta-llama/Llama-2-*-chat-hf's chat_template renders (bos_token &lt;s&gt;, eos_token &lt;/s&gt;):
    /// an optional first system message folded into the first user turn, then strictly alternating user/assistant
    /// messages, each content stripped of surrounding whitespace. The template ignores add_generation_prompt: the
    /// prompt ends with " [/INST]" after the last user turn. The &lt;s&gt;/&lt;/s&gt; texts become the control tokens
    /// when the prompt is encoded (<see cref="Generation.PromptEncoding"/>).
    /// </summary>
    static string RenderLlama2(IReadOnlyList<ChatMessage> messages)
    {
        int start = messages.Count > 0 && IsSystem(messages[0].Role) ? 1 : 0;
        string? system = start == 1 ? messages[0].Content : null;
        var sb = new StringBuilder();
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            string expected = (i - start) % 2 == 0 ? "user" : "assistant";
            if (m.Role != expected)
                throw new ArgumentException($"messages[{i}]: the Llama-2 chat format needs an optional first system message, then "
                    + $"user and assistant messages alternating, starting with user; got '{m.Role}' where '{expected}' belongs.");
            var content = i == start && system is not null ? $"<<SYS>>\n{system}\n<</SYS>>\n\n{m.Content}" : m.Content;
            if (m.Role == "user") sb.Append("<s>[INST] ").Append(PyStrip(content)).Append(" [/INST]");
            else sb.Append(' ').Append(PyStrip(content)).Append(" </s>");
        }
        return sb.ToString();
    }

    static bool IsSystem(string role) => role is "system" or "developer";

    /// <summary>Python's str.strip(): also strips U+001C..U+001F, which .NET does not count as white space.</summary>
    static string PyStrip(string s)
    {
        static bool Space(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';
        int a = 0, b = s.Length;
        while (a < b && Space(s[a])) a++;
        while (b > a && Space(s[b - 1])) b--;
        return s[a..b];
    }
}
