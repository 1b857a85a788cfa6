namespace Tsumugi.Datasets.Sft;

/// <summary>The three roles an SFT example holds, and the spellings the common dataset shapes use for them.</summary>
public static class SftRoles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";

    /// <summary>
    /// The normalised role of a role name as written in a dataset (OpenAI <c>role</c> or ShareGPT <c>from</c>), or null
    /// when it is a role SFT cannot train on (tool, function, observation…). Case-insensitive.
    /// </summary>
    public static string? Normalize(string name) => name.Trim().ToLowerInvariant() switch
    {
        "system" or "developer" => System,
        "user" or "human" => User,
        "assistant" or "gpt" or "model" or "bot" or "chatgpt" => Assistant,
        _ => null,
    };
}
