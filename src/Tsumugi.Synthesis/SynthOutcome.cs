using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis;

/// <summary>
/// What one run did: items (total, already done by earlier runs, worked on now), how they ended, rejections by gate,
/// requests replayed from the cache, the first failures' messages, per-endpoint tallies, and the wall time.
/// </summary>
public sealed record SynthOutcome(
    string Recipe, int Items, int DoneBefore, int Accepted, int Rejected, int Failed, IReadOnlyDictionary<string, int> RejectedBy,
    int Replayed, IReadOnlyList<string> Failures, IReadOnlyDictionary<string, EndpointTallySnapshot> Endpoints, double Seconds, bool Cancelled)
{
    /// <summary>Completion tokens received per second of the run, over every endpoint: the client-side throughput.</summary>
    public double CompletionTokensPerSecond => Seconds > 0 ? Endpoints.Values.Sum(e => e.CompletionTokens) / Seconds : 0;
}
