using System.Collections.Concurrent;

namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// The running counts of one endpoint, updated by its client from any number of threads (Interlocked counters, a
/// concurrent map for failure kinds). <see cref="Snapshot"/> reads them for progress lines and the run's stats.
/// </summary>
public sealed class EndpointTally(EndpointSettings settings)
{
    long _requests, _succeeded, _failed, _retries, _promptTokens, _completionTokens, _successTicks;
    readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);

    /// <summary>An attempt is sent; <paramref name="retry"/> when it is not the request's first.</summary>
    public void Attempt(bool retry)
    {
        Interlocked.Increment(ref _requests);
        if (retry) Interlocked.Increment(ref _retries);
    }

    /// <summary>An attempt failed with <paramref name="kind"/> (retried or not).</summary>
    public void AttemptFailed(string kind) => _failures.AddOrUpdate(kind, 1, (_, n) => n + 1);

    /// <summary>A request gave up: its error goes to the caller.</summary>
    public void RequestFailed() => Interlocked.Increment(ref _failed);

    /// <summary>A request got its answer; <paramref name="elapsed"/> is the successful attempt's time.</summary>
    public void Succeeded(long promptTokens, long completionTokens, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _succeeded);
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _completionTokens, completionTokens);
        Interlocked.Add(ref _successTicks, elapsed.Ticks);
    }

    /// <summary>The counts now. Concurrent updates may land between two fields' reads; each field is exact.</summary>
    public EndpointTallySnapshot Snapshot()
    {
        long prompt = Interlocked.Read(ref _promptTokens), completion = Interlocked.Read(ref _completionTokens);
        return new EndpointTallySnapshot(
            Interlocked.Read(ref _requests), Interlocked.Read(ref _succeeded), Interlocked.Read(ref _failed), Interlocked.Read(ref _retries),
            new SortedDictionary<string, long>(_failures, StringComparer.Ordinal), prompt, completion,
            settings.Cost(prompt, completion),
            TimeSpan.FromTicks(Interlocked.Read(ref _successTicks)).TotalSeconds);
    }
}
