namespace Tsumugi.Datasets.Preference;

/// <summary>
/// <c>data.columns</c>: the field that holds each part of a record when the file does not use TRL's name, e.g.
/// <c>columns: {prompt: question, chosen: good, rejected: bad}</c>. Unset keys use TRL's name (the key itself). A column
/// mapped here is required, even the optional <c>prompt</c> of paired data.
/// </summary>
public sealed record PreferenceColumns
{
    public string? Prompt { get; init; }
    public string? Chosen { get; init; }
    public string? Rejected { get; init; }
    public string? Completion { get; init; }

    /// <summary>KTO's label: true for a desirable completion, false for an undesirable one.</summary>
    public string? Label { get; init; }

    /// <summary>The role field inside a message; unset accepts both <c>role</c> (OpenAI) and <c>from</c> (ShareGPT).</summary>
    public string? Role { get; init; }

    /// <summary>The text field inside a message; unset accepts both <c>content</c> (OpenAI) and <c>value</c> (ShareGPT).</summary>
    public string? Content { get; init; }

    internal string PromptName => Prompt ?? "prompt";
    internal string ChosenName => Chosen ?? "chosen";
    internal string RejectedName => Rejected ?? "rejected";
    internal string CompletionName => Completion ?? "completion";
    internal string LabelName => Label ?? "label";
}
