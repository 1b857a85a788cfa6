namespace Tsumugi.Datasets.Sft;

/// <summary>The record shapes an SFT file may hold (YAML <c>data.format</c>, snake_case).</summary>
public enum SftFormat
{
    /// <summary>Decided per file from the first record's fields.</summary>
    Auto,

    /// <summary>dolly-ja / Alpaca: <c>instruction</c>, optional <c>input</c>, <c>output</c>, optional <c>system</c>.</summary>
    Alpaca,

    /// <summary><c>conversations</c>: a list of <c>{from: human|gpt|system, value}</c>.</summary>
    Sharegpt,

    /// <summary><c>messages</c>: a list of <c>{role, content}</c>; content a string or a list of text parts.</summary>
    Openai,

    /// <summary><c>prompt</c> and <c>completion</c>: both strings, or both message lists (TRL's two forms).</summary>
    PromptCompletion,
}
