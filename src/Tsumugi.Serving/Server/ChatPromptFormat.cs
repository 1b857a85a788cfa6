namespace Tsumugi.Serving.Server;

/// <summary>
/// How chat messages become one prompt string. Jinja chat templates are not evaluated; the two formats our models use
/// are implemented by name and chosen from tokenizer_config.json (see <see cref="ChatPrompt.Detect"/>).
/// </summary>
public enum ChatPromptFormat
{
    /// <summary><c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message, then <c>&lt;|im_start|&gt;assistant\n</c>.</summary>
    ChatMl,

    /// <summary>The llm-jp / Tanuki Alpaca-style Japanese instruction format (### 指示: / ### 応答:).</summary>
    Instruction,
}
