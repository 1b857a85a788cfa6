namespace Tsumugi.Serving.Server;

/// <summary>
/// A request the server refuses, carrying everything the OpenAI error body needs. Thrown from request parsing and
/// caught in one place, so every endpoint answers errors in the same <c>{"error": {...}}</c> shape.
/// </summary>
public sealed class OpenAiException(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
}
