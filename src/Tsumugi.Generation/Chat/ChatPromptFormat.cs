namespace Tsumugi.Generation.Chat;

/// <summary>
/// The three built-in chat formats, each a Jinja template (<see cref="Templates.BuiltInChatTemplates"/>), recognised
/// from the chat_template in tokenizer_config.json by their markers (see <see cref="ChatPrompt.Inspect"/>) or chosen
/// with <c>--chat-format</c>. A model directory's own chat_template is rendered as written by
/// <see cref="PretrainedModel.ChatTemplate"/>; the format still picks the stop strings and turn-end tokens.
/// </summary>
public enum ChatPromptFormat
{
    /// <summary><c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message, then <c>&lt;|im_start|&gt;assistant\n</c>.</summary>
    ChatMl,

    /// <summary>The llm-jp / Tanuki Alpaca-style Japanese instruction format (### 指示: / ### 応答:).</summary>
    Instruction,

    /// <summary>
    /// Meta's Llama-2 chat format as the HF template renders it:
    /// <c>&lt;s&gt;[INST] &lt;&lt;SYS&gt;&gt;\n{system}\n&lt;&lt;/SYS&gt;&gt;\n\n{user} [/INST] {assistant} &lt;/s&gt;</c>, one [INST] block per turn.
    /// </summary>
    Llama2,
}
