using System.IO.Hashing;
using System.Text;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// What a recipe asks through: every request goes to the <see cref="RequestCache"/> first and to the endpoints only when
/// it has no answer yet, so a resumed run replays its finished requests for free. Seeds are derived from the run's seed,
/// the item and the step, so a sample is reproducible and two samples of one prompt differ.
/// </summary>
public sealed class RecipeContext(EndpointPool endpoints, RequestCache cache, long runSeed)
{
    int _replayed;

    /// <summary>Requests answered from the cache in this run (asked in an earlier, interrupted one).</summary>
    public int Replayed => Volatile.Read(ref _replayed);

    public async Task<ChatReply> AskAsync(string role, IReadOnlyList<ChatTurn> messages, Sampling sampling, SynthItem item, string step, CancellationToken ct)
    {
        var request = new ChatRequest(messages, sampling.Temperature, sampling.MaxTokens, sampling.TopP, sampling.Temperature > 0 ? Seed(item.Key, step) : null);
        var key = RequestCache.Key(role, request);
        if (cache.TryGet(key, out var cached))
        {
            Interlocked.Increment(ref _replayed);
            return cached;
        }
        var reply = await endpoints.CompleteAsync(role, request, ct).ConfigureAwait(false);
        cache.Add(key, reply);
        return reply;
    }

    /// <summary>A non-negative 31-bit seed (what every OpenAI-compatible server accepts) for this run, item and step.</summary>
    long Seed(string itemKey, string step) =>
        (long)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{itemKey}\n{step}"), runSeed) & 0x7FFF_FFFF);
}
