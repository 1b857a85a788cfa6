using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Generation;

namespace Tsumugi.Serving.Server;

/// <summary>
/// Cumulative throughput counters for <c>GET /metrics</c>: completed requests, their prompt and generated tokens, and
/// busy seconds — wall time with at least one completion request in flight — so a benchmark reads the server's own
/// tokens per busy second instead of guessing from client timings. Thread-safe (one lock; updates are rare next to decoding).
/// </summary>
public sealed class ServerMetrics
{
    readonly Lock _lock = new();
    long _requests, _promptTokens, _completionTokens, _busyTicks, _busySince;
    int _inFlight;

    /// <summary>A completion request starts; dispose the handle when it ends (answered, refused or aborted).</summary>
    public IDisposable Enter()
    {
        lock (_lock)
            if (_inFlight++ == 0) _busySince = Stopwatch.GetTimestamp();
        return new Exit(this);
    }

    /// <summary>A request was answered in full: its tokens count.</summary>
    public void Completed(GenerationResult result)
    {
        lock (_lock)
        {
            _requests++;
            _promptTokens += result.PromptTokens;
            _completionTokens += result.CompletionTokens;
        }
    }

    public JsonObject ToJson()
    {
        lock (_lock)
        {
            long busy = _busyTicks + (_inFlight > 0 ? Stopwatch.GetTimestamp() - _busySince : 0); // the open interval counts too
            return new JsonObject
            {
                ["requests"] = _requests, ["prompt_tokens"] = _promptTokens, ["completion_tokens"] = _completionTokens,
                ["busy_seconds"] = (double)busy / Stopwatch.Frequency,
            };
        }
    }

    sealed class Exit(ServerMetrics metrics) : IDisposable
    {
        bool _done;

        public void Dispose()
        {
            lock (metrics._lock)
            {
                if (_done) return;
                _done = true;
                if (--metrics._inFlight == 0) metrics._busyTicks += Stopwatch.GetTimestamp() - metrics._busySince;
            }
        }
    }
}
