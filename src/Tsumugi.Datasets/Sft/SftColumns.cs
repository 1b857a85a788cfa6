namespace Tsumugi.Datasets.Sft;

/// <summary>
/// <c>data.columns</c>: the field that holds each part of a record when the file does not use the standard name, e.g.
/// <c>columns: {instruction: question, output: answer}</c> or <c>columns: {messages: dialog}</c>. Unset keys use the
/// standard name (the key itself). A column mapped here is required, even an optional one such as <c>input</c>.
/// </summary>
public sealed record SftColumns
{
    public string? Instruction { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }

    /// <summary>A per-record system prompt (Alpaca and ShareGPT files); it wins over <c>data.system_prompt</c>.</summary>
    public string? System { get; init; }

    public string? Conversations { get; init; }
    public string? Messages { get; init; }
    public string? Prompt { get; init; }
    public string? Completion { get; init; }

    /// <summary>The role field inside a message; unset accepts both <c>role</c> (OpenAI) and <c>from</c> (ShareGPT).</summary>
    public string? Role { get; init; }

    /// <summary>The text field inside a message; unset accepts both <c>content</c> (OpenAI) and <c>value</c> (ShareGPT).</summary>
    public string? Content { get; init; }

    internal string InstructionName => Instruction ?? "instruction";
    internal string InputName => Input ?? "input";
    internal string OutputName => Output ?? "output";
    internal string SystemName => System ?? "system";
    internal string ConversationsName => Conversations ?? "conversations";
    internal string MessagesName => Messages ?? "messages";
    internal string PromptName => Prompt ?? "prompt";
    internal string CompletionName => Completion ?? "completion";
}
