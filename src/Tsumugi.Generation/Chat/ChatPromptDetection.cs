namespace Tsumugi.Generation.Chat;

/// <summary>
/// The chat format a model directory asks for, and why: <paramref name="Source"/> says where it came from (for the
/// serve/chat banner); <paramref name="Warning"/> is set when the template was not recognised and a fallback is used.
/// </summary>
public sealed record ChatPromptDetection(ChatPromptFormat Format, string Source, string? Warning = null);
