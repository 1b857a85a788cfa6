namespace Tsumugi.Datasets.Sft;

/// <summary>
/// One turn of a conversation, with its role already normalised to <see cref="SftRoles.System"/>,
/// <see cref="SftRoles.User"/> or <see cref="SftRoles.Assistant"/> (the SFT engine maps it to the chat template's type).
/// </summary>
public sealed record SftMessage(string Role, string Content);
