namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// A request that failed for good: a non-retryable answer (400, 401, 404 …) or every retry used up. The message names
/// the endpoint and the last failure; <see cref="Kind"/> is the failure's tally key (<c>http_429</c>, <c>timeout</c> …).
/// </summary>
public sealed class EndpointException(string endpoint, string kind, string message) : Exception($"endpoint '{endpoint}': {message}")
{
    public string Endpoint { get; } = endpoint;
    public string Kind { get; } = kind;
}
