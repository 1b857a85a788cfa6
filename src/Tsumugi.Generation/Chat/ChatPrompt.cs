using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat.Templates;
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
    /// The prompt for the assistant's next turn: the format's built-in template (<see cref="BuiltInChatTemplates"/>)
    /// rendered with add_generation_prompt. Throws <see cref="ArgumentException"/> (naming the message) for a
    /// conversation the format cannot express, as the HF templates raise.
    /// </summary>
    public static string Render(IReadOnlyList<ChatMessage> messages, ChatPromptFormat format) =>
        Render(BuiltInChatTemplates.For(format), messages);

    /// <summary>
    /// <paramref name="template"/> rendered with add_generation_prompt; the template's raise_exception becomes an
    /// <see cref="ArgumentException"/> carrying its message, since the conversation (not the template) is at fault.
    /// </summary>
    public static string Render(ChatTemplate template, IReadOnlyList<ChatMessage> messages)
    {
        try
        {
            return template.Render(messages, addGenerationPrompt: true);
        }
        catch (ChatTemplateRaisedException e)
        {
            throw new ArgumentException(e.TemplateMessage, e); // the message alone: the server returns it as the 400 text
        }
    }

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
}
