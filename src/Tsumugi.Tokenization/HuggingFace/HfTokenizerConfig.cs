using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.HuggingFace;

/// <summary>Writes `tokenizer_config.json` (with a chat template) and `special_tokens_map.json`.</summary>
public static class HfTokenizerConfig
{
    /// <summary>ChatML template, used when the vocabulary has &lt;|im_start|&gt; / &lt;|im_end|&gt;.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>
    /// meta-llama/Llama-2-7b-chat-hf's chat_template, verbatim, for vocabularies without ChatML tokens: an optional
    /// first system message folded into the first [INST] as &lt;&lt;SYS&gt;&gt;…&lt;&lt;/SYS&gt;&gt;, one bos_token per user turn,
    /// contents stripped, eos_token after each assistant turn, raise_exception when roles do not alternate.
    /// (chat, serve and eval judge render it as written; Tsumugi.Generation's ChatPrompt recognises it as Llama-2.)
    /// </summary>
    public const string LlamaTemplate =
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
        + "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
        + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
        + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Build(SpmModel model, string? chatTemplate = null, bool addBos = true, bool addEos = false)
    {
        var s = model.TrainerSpec;
        bool chatMl = model.Pieces.Any(p => p.Piece == "<|im_start|>") && model.Pieces.Any(p => p.Piece == "<|im_end|>");
        var decoderMap = new JsonObject();
        for (int i = 0; i < model.Pieces.Count; i++)
        {
            var p = model.Pieces[i];
            if (p.Type is not (PieceType.Control or PieceType.Unknown or PieceType.UserDefined)) continue;
            decoderMap[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = p.Piece, ["lstrip"] = false, ["normalized"] = false, ["rstrip"] = false, ["single_word"] = false,
                ["special"] = p.Type != PieceType.UserDefined,
            };
        }
        var cfg = new JsonObject
        {
            ["add_bos_token"] = addBos,
            ["add_eos_token"] = addEos,
            ["added_tokens_decoder"] = decoderMap,
            ["bos_token"] = s.BosPiece,
            ["eos_token"] = chatMl ? "<|im_end|>" : s.EosPiece,
            ["unk_token"] = s.UnkPiece,
            ["pad_token"] = s.PadId >= 0 ? s.PadPiece : null,
            ["chat_template"] = chatTemplate ?? (chatMl ? ChatMlTemplate : LlamaTemplate),
            ["clean_up_tokenization_spaces"] = false,
            ["legacy"] = true,
            ["model_max_length"] = 1000000000000000019884624838656.0,
            ["sp_model_kwargs"] = new JsonObject(),
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
        };
        return cfg;
    }

    public static JsonObject SpecialTokensMap(SpmModel model)
    {
        var s = model.TrainerSpec;
        var map = new JsonObject { ["bos_token"] = s.BosPiece, ["eos_token"] = s.EosPiece, ["unk_token"] = s.UnkPiece };
        if (s.PadId >= 0) map["pad_token"] = s.PadPiece;
        var extra = model.Pieces.Where(p => p.Type == PieceType.UserDefined || (p.Type == PieceType.Control && p.Piece != s.BosPiece && p.Piece != s.EosPiece && p.Piece != s.PadPiece))
            .Select(p => (JsonNode)JsonValue.Create(p.Piece)!).ToArray();
        if (extra.Length > 0) map["additional_special_tokens"] = new JsonArray(extra);
        return map;
    }

    public static void Write(SpmModel model, string dir, string? chatTemplate = null, bool addBos = true, bool addEos = false)
    {
        WriteJson(Build(model, chatTemplate, addBos, addEos), Path.Combine(dir, "tokenizer_config.json"));
        WriteJson(SpecialTokensMap(model), Path.Combine(dir, "special_tokens_map.json"));
    }

    /// <summary>
    /// The same text as ToJsonString(Indented), through a Utf8JsonWriter: no JsonSerializerOptions, whose first use
    /// (reflection metadata) costs a CLI run a tenth of a second.
    /// </summary>
    static void WriteJson(JsonNode node, string path)
    {
        AtomicFile.Write(path, file =>
        {
            using var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            node.WriteTo(w);
        });
    }
}
