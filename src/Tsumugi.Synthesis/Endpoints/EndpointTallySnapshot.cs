using System.Text.Json.Serialization;

namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// One endpoint's counts at a moment, as written to a run's stats (snake_case JSON, round-trippable). A resumed run
/// adds the counts of the runs before it (<see cref="Add"/>). <see cref="Requests"/> counts attempts sent, so
/// requests = succeeded + failed + retries, and the failures by kind count every failed attempt (a 429 that a retry
/// then got past included).
/// </summary>
public sealed record EndpointTallySnapshot(
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("succeeded")] long Succeeded,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("retries")] long Retries,
    [property: JsonPropertyName("failures")] IReadOnlyDictionary<string, long> Failures,
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    [property: JsonPropertyName("cost")] double Cost,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    public static EndpointTallySnapshot Empty { get; } = new(0, 0, 0, 0, new SortedDictionary<string, long>(StringComparer.Ordinal), 0, 0, 0, 0);

    /// <summary>The failed attempts of one kind (0 when none).</summary>
    public long FailuresOf(string kind) => Failures.GetValueOrDefault(kind);

    /// <summary>The sum of both snapshots (this run's counts plus an earlier run's).</summary>
    public EndpointTallySnapshot Add(EndpointTallySnapshot other)
    {
        var failures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, n) in Failures.Concat(other.Failures)) failures[kind] = failures.GetValueOrDefault(kind) + n;
        return new(Requests + other.Requests, Succeeded + other.Succeeded, Failed + other.Failed, Retries + other.Retries, failures,
            PromptTokens + other.PromptTokens, CompletionTokens + other.CompletionTokens, Cost + other.Cost, Seconds + other.Seconds);
    }
}
