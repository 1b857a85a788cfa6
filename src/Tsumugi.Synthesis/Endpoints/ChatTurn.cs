namespace Tsumugi.Synthesis.Endpoints;

/// <summary>One message of a chat request or of a synthesized conversation: role (system / user / assistant) and text.</summary>
public sealed record ChatTurn(string Role, string Content)
{
    public static ChatTurn System(string content) => new("system", content);
    public static ChatTurn User(string content) => new("user", content);
    public static ChatTurn Assistant(string content) => new("assistant", content);
}
