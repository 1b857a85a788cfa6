namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// A request that failed for good: a non-retryable answer (400, 401, 404 …) or every retry used up. The message names
/// the endpoint and the last failure; <see cref="Kind"/> is the failure's tally key (<c>http_429</c>, <c>timeout</c> …).
/// </summary>
public sealed class EndpointException(string endpoint, string kind, string message, int status = 0) : Exception($"endpoint '{endpoint}': {message}")
{
    /// <summary>The HTTP status of a non-retryable answer (0 otherwise): 401, 403 and 404 mean every request would fail alike.</summary>
    public int Status { get; } = status;

    public string Endpoint { get; } = endpoint;
    public string Kind { get; } = kind;
}
