using Tsumugi.Tokenization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation.Chat;

/// <summary>
/// The built-in chat formats by name and by the markers of a chat_template, the stops that end an answer in each, and
/// the one call that renders a template for the assistant's next turn (<see cref="PretrainedModel.RenderChat"/> uses it).
/// The formats themselves are Jinja templates (<see cref="BuiltInChatTemplates"/>).
/// </summary>
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
    /// The template itself is rendered as written (<see cref="PretrainedModel.ChatTemplate"/>); the format picks the
    /// turn-end stops, and is what a directory without a template is rendered in. No file or no template → the
    /// instruction format, which base and llm-jp-style models follow best. Llama-3 and Gemma templates stop at their own
    /// turn-end token (&lt;|eot_id|&gt;, &lt;end_of_turn&gt;). Any other template (
    /// Mistral's [INST] without &lt;&lt;SYS&gt;&gt;, …) gets the instruction format's stops, with a warning naming the override.
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
        // Templates whose turns end in a marker of their own: rendered as written, stopped at that marker (StopIds).
        foreach (var (marker, name) in OwnTurnEnds)
            if (template.Contains(marker, StringComparison.Ordinal)) return new(ChatPromptFormat.Instruction, $"chat_template: {name} (stops at {marker})");
        return new(ChatPromptFormat.Instruction, "unrecognised chat_template: instruction-format stops",
            $"{path}: the chat_template matches none of the built-in formats (ChatML '<|im_start|>', Llama-2 '[INST]' + '<<SYS>>', "
            + "llm-jp/Tanuki '### 指示:'); it is rendered as written, but answers stop only at EOS, its eos_token and the instruction "
            + "format's '### 指示:'. Pass --chat-format chatml|llama2|instruction to render a built-in format instead.");
    }

    /// <summary>
    /// Turn-end markers of the templates today's base models ship (Llama 3.x, Gemma 2), which no built-in format
    /// renders: a template that writes one ends the assistant's turn there, as a single special token.
    /// </summary>
    static readonly (string Marker, string Name)[] OwnTurnEnds = [("<|eot_id|>", "Llama-3"), ("<end_of_turn>", "Gemma")];

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
    /// Text that ends the assistant's turn in a format, besides the tokenizer's EOS: the turn-end marker (ChatML's
    /// &lt;|im_end|&gt;) and the marker that opens the next message (&lt;|im_start|&gt;, the instruction format's
    /// "### 指示:"), so a model that never emits its turn end still does not write the user's next turn into its answer.
    /// Llama-2 ends turns with &lt;/s&gt;, the EOS, and needs none.
    /// </summary>
    public static IReadOnlyList<string> TurnEndStops(ChatPromptFormat format) => format switch
    {
        ChatPromptFormat.ChatMl => ["<|im_end|>", "<|im_start|>"],
        ChatPromptFormat.Instruction => ["### 指示:"],
        _ => [],
    };

    /// <summary>
    /// The stop strings for answers to prompts rendered with <paramref name="template"/>: <see cref="TurnEndStops"/>,
    /// plus the template's eos_token (tokenizer_config.json) when the vocabulary does not hold it as one piece, so
    /// it arrives as text (as one piece it is a stop id, <see cref="StopIds"/>). What serve, chat and eval judge stop at.
    /// </summary>
    public static IReadOnlyList<string> Stops(ChatPromptFormat format, ChatTemplate template, ITokenizer tokenizer)
    {
        var stops = TurnEndStops(format).ToList();
        if (template.SpecialTokens.TryGetValue("eos_token", out var eos) && eos.Length > 0 && SinglePiece(tokenizer, eos) is null && !stops.Contains(eos))
            stops.Add(eos);
        return stops;
    }

    /// <summary>
    /// Token ids that end generation for a model in this chat format: the tokenizer's EOS; for ChatML the id of
    /// &lt;|im_end|&gt; when the vocabulary has it as one piece; and the id of <paramref name="template"/>'s eos_token
    /// when it is one piece (e.g. &lt;|im_end|&gt; in our ChatML tokenizer_config.json, &lt;|eot_id|&gt; in Llama-3's).
    /// The id matters where the piece is a control symbol, which decodes to no text, so the stop string never sees it.
    /// </summary>
    public static IReadOnlyCollection<int> StopIds(ChatPromptFormat format, ITokenizer tokenizer, ChatTemplate? template = null)
    {
        var ids = new List<int> { tokenizer.EosId };
        if (format == ChatPromptFormat.ChatMl && SinglePiece(tokenizer, "<|im_end|>") is { } end) ids.Add(end);
        if (template is not null && template.SpecialTokens.TryGetValue("eos_token", out var eos) && SinglePiece(tokenizer, eos) is { } id && !ids.Contains(id))
            ids.Add(id);
        foreach (var (marker, _) in OwnTurnEnds)
            if (template is not null && template.Source.Contains(marker, StringComparison.Ordinal) && SinglePiece(tokenizer, marker) is { } turnEnd && !ids.Contains(turnEnd))
                ids.Add(turnEnd);
        return ids;
    }

    /// <summary>The id of <paramref name="piece"/> when the vocabulary holds it as one piece (PieceToId answers unk otherwise).</summary>
    static int? SinglePiece(ITokenizer tokenizer, string piece) =>
        piece.Length > 0 && tokenizer.PieceToId(piece) is var id && tokenizer.IdToPiece(id) == piece ? id : null;
}
