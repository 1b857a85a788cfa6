namespace Tsumugi.Datasets.Sft;

/// <summary>
/// One validated SFT example in a uniform shape, whatever the file held (Alpaca, ShareGPT, OpenAI messages,
/// prompt/completion). The messages open with an optional system message, then alternate user/assistant and end with
/// an assistant turn (<see cref="SftConversationRules"/>).
/// </summary>
public sealed record SftExample
{
    public required IReadOnlyList<SftMessage> Messages { get; init; }

    /// <summary>
    /// For prompt/completion data, how many leading messages are the prompt (the loss covers only the rest, as TRL's
    /// <c>completion_only_loss</c>); 0 for conversations, where the engine masks everything but assistant turns.
    /// </summary>
    public int PromptMessageCount { get; init; }

    /// <summary>
    /// True for prompt/completion given as plain strings (TRL's "standard" prompt-completion): the engine concatenates
    /// the prompt and completion text as is, without a chat template. <see cref="Messages"/> then holds one user
    /// message (the prompt) and one assistant message (the completion).
    /// </summary>
    public bool IsPlainText { get; init; }

    public required SftLocation Location { get; init; }

    /// <summary>The prompt messages (empty for conversations).</summary>
    public IEnumerable<SftMessage> Prompt => Messages.Take(PromptMessageCount);

    /// <summary>The completion messages (all messages for conversations).</summary>
    public IEnumerable<SftMessage> Completion => Messages.Skip(PromptMessageCount);
}
