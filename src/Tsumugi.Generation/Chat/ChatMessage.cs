namespace Tsumugi.Generation.Chat;

/// <summary>One chat turn as the request sent it: role (system, developer, user, assistant, tool) and its text.</summary>
public sealed record ChatMessage(string Role, string Content);
