using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// One validated preference pair: a prompt and two answers to it, the chosen one preferred. Prompt followed by either
/// answer is a conversation <see cref="SftConversationRules"/> accepts: the prompt ends with a user turn, each answer
/// opens with the assistant's.
/// </summary>
public sealed record PreferenceExample
{
    /// <summary>The prompt messages (with the configured system prompt added to conversations that have none).</summary>
    public required IReadOnlyList<SftMessage> Prompt { get; init; }

    public required IReadOnlyList<SftMessage> Chosen { get; init; }
    public required IReadOnlyList<SftMessage> Rejected { get; init; }

    /// <summary>
    /// True for TRL's standard (text) format: prompt, chosen and rejected were strings, each held here as one message
    /// (user, assistant, assistant) that the encoder concatenates as plain text, without a chat template — as
    /// <see cref="SftExample.IsPlainText"/>.
    /// </summary>
    public bool IsPlainText { get; init; }

    /// <summary>
    /// True when the record had no prompt column: the prompt is what chosen and rejected begin with (the shared leading
    /// messages, or for text the shared leading characters), as TRL's <c>extract_prompt</c>.
    /// </summary>
    public bool IsImplicitPrompt { get; init; }

    public required SftLocation Location { get; init; }

    /// <summary>The pair as KTO's two unpaired examples (TRL's <c>unpair_preference_dataset</c>): chosen desirable, rejected not.</summary>
    public IEnumerable<UnpairedPreferenceExample> Unpair() =>
    [
        new UnpairedPreferenceExample(Prompt, Chosen, true, IsPlainText, Location),
        new UnpairedPreferenceExample(Prompt, Rejected, false, IsPlainText, Location),
    ];
}
