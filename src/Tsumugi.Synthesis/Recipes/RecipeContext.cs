using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// What a recipe asks through: every request goes to the <see cref="RequestCache"/> first and to the endpoints only when
/// it has no answer yet, so a resumed run replays its finished requests for free. Seeds are derived from the run's seed,
/// the request and the step, so a sample is reproducible and two samples of one prompt differ. Identical requests in flight
/// at once (the same prompt twice in the inputs) share one answer.
/// </summary>
public sealed class RecipeContext(EndpointPool endpoints, RequestCache cache, long runSeed)
{
    readonly ConcurrentDictionary<string, Lazy<Task<ChatReply>>> _inFlight = new(StringComparer.Ordinal);
    int _replayed;

    /// <summary>Requests answered without asking: from the cache (an earlier run, or an identical request of this one).</summary>
    public int Replayed => Volatile.Read(ref _replayed);

    public async Task<ChatReply> AskAsync(string role, IReadOnlyList<ChatTurn> messages, Sampling sampling, string step, CancellationToken ct)
    {
        var request = new ChatRequest(messages, sampling.Temperature, sampling.MaxTokens, sampling.TopP);
        if (sampling.Temperature > 0) request = request with { Seed = Seed(RequestCache.Key(role, request), step) };
        var key = RequestCache.Key(role, request);
        if (cache.TryGet(key, out var cached))
        {
            Interlocked.Increment(ref _replayed);
            return cached;
        }
        bool asked = false;
        var shared = _inFlight.GetOrAdd(key, k => new Lazy<Task<ChatReply>>(async () =>
        {
            asked = true;
            try
            {
                var reply = await endpoints.CompleteAsync(role, request, ct).ConfigureAwait(false);
                cache.Add(key, reply);
                return reply;
            }
            finally { _inFlight.TryRemove(key, out _); }
        }));
        var answer = await shared.Value.ConfigureAwait(false);
        if (!asked) Interlocked.Increment(ref _replayed);
        return answer;
    }

    /// <summary>
    /// A non-negative 31-bit seed (what every OpenAI-compatible server accepts) from the run's seed, the request and the
    /// step: the same prompt in two items is one request (asked once), while the samples of one prompt (steps sample0,
    /// sample1, …) differ.
    /// </summary>
    long Seed(string unseededKey, string step) =>
        (long)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{unseededKey}\n{step}"), runSeed) & 0x7FFF_FFFF);
}
