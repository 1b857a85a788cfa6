using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Store;

/// <summary>
/// Every answer a run has received, keyed by the request that asked for it (role, messages, sampling settings, seed):
/// the exactly-once half of a resumable run. A killed run replays its finished requests from here instead of asking
/// again (and paying again), and identical requests — the same prompt twice in the inputs — are asked once.
/// An append-only JSONL journal (<see cref="ResumableJsonl"/>): each answer is flushed as it arrives.
/// </summary>
public sealed class RequestCache : IDisposable
{
    readonly ResumableJsonl _file;
    readonly Dictionary<string, ChatReply> _replies = new(StringComparer.Ordinal);
    readonly Lock _lock = new();

    public RequestCache(string path)
    {
        _file = new ResumableJsonl(path);
        foreach (var entry in _file.Existing)
            _replies[(string)entry["key"]!] = new ChatReply((string)entry["text"]!, (string?)entry["finish"], (long)entry["prompt_tokens"]!,
                (long)entry["completion_tokens"]!, (int)entry["attempts"]!, (string)entry["endpoint"]!, (string)entry["model"]!, (double?)entry["cost"] ?? 0);
    }

    /// <summary>Answers already on file (from earlier runs of this output directory, and this one).</summary>
    public int Count { get { lock (_lock) return _replies.Count; } }

    /// <summary>
    /// What every answer on file was billed, per endpoint: the authoritative record of what a run paid for, since each
    /// answer is written here as it arrives — also by a run that was killed before it could write its stats.
    /// </summary>
    public static IReadOnlyDictionary<string, Paid> PaidByEndpoint(string path) =>
        ResumableJsonl.ReadWhole(path, out _).GroupBy(e => (string)e["endpoint"]!).ToDictionary(g => g.Key,
            g => new Paid(g.Count(), g.Sum(e => (long)e["prompt_tokens"]!), g.Sum(e => (long)e["completion_tokens"]!), g.Sum(e => (double?)e["cost"] ?? 0)));

    /// <summary>Answers received from one endpoint and what they were billed.</summary>
    public sealed record Paid(long Answers, long PromptTokens, long CompletionTokens, double Cost);

    public bool TryGet(string key, out ChatReply reply)
    {
        lock (_lock) return _replies.TryGetValue(key, out reply!);
    }

    public void Add(string key, ChatReply reply)
    {
        lock (_lock)
        {
            if (!_replies.TryAdd(key, reply)) return; // two items asked the same thing at once: keep the first answer
            _file.Append(new JsonObject
            {
                ["key"] = key, ["text"] = reply.Text, ["finish"] = reply.FinishReason, ["prompt_tokens"] = reply.PromptTokens,
                ["completion_tokens"] = reply.CompletionTokens, ["attempts"] = reply.Attempts, ["endpoint"] = reply.Endpoint, ["model"] = reply.Model,
                ["cost"] = reply.Cost,
            });
        }
    }

    /// <summary>The request's identity: SHA-256 of its role, messages and sampling settings (not the endpoint: any endpoint with the role may answer).</summary>
    public static string Key(string role, ChatRequest request)
    {
        var canonical = new JsonObject
        {
            ["role"] = role,
            ["messages"] = new JsonArray(request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            ["temperature"] = request.Temperature, ["top_p"] = request.TopP, ["max_tokens"] = request.MaxTokens, ["seed"] = request.Seed,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJsonString())))[..32];
    }

    public void Dispose() => _file.Dispose();
}
