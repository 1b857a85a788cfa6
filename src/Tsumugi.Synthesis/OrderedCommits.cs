using System.Text.Json.Nodes;
using Tsumugi.Synthesis.Gates;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis;

/// <summary>
/// Item outcomes arrive in whatever order their requests finish; they are committed to the <see cref="RecordStore"/> in
/// item order, from one place. The near-duplicate check runs here, on what is committed before — so which of two
/// near-duplicates is kept, and so the output, is that of a sequential run whatever the timing or interruptions.
/// Thread-safe: workers call <see cref="Finish"/> concurrently.
/// </summary>
sealed class OrderedCommits(RecordStore store, NearDuplicates? duplicates, Action<OrderedCommits> afterCommit)
{
    const int FailureMessagesKept = 10;

    readonly Dictionary<int, (JsonObject? Record, string? Rejection, string? Failure)> _waiting = [];
    readonly Dictionary<string, int> _rejectedBy = new(StringComparer.Ordinal);
    readonly List<string> _failures = [];
    readonly Lock _lock = new();
    int _next;

    public int Accepted { get; private set; }
    public int Rejected { get; private set; }
    public int Failed { get; private set; }

    /// <summary>Rejections so far by gate (the reason's first word).</summary>
    public Dictionary<string, int> RejectedBy() { lock (_lock) return new(_rejectedBy); }

    /// <summary>The first failures' messages (item key and endpoint error).</summary>
    public List<string> Failures() { lock (_lock) return [.. _failures]; }

    /// <summary>Item <paramref name="position"/> ended with a record (accepted when <paramref name="rejection"/> is null).</summary>
    public void Finish(int position, JsonObject record, string? rejection) => Add(position, (record, rejection, null));

    /// <summary>Item <paramref name="position"/> failed for good: counted, not recorded, so --resume tries it again.</summary>
    public void Fail(int position, string failure) => Add(position, (null, null, failure));

    void Add(int position, (JsonObject?, string?, string?) outcome)
    {
        lock (_lock)
        {
            _waiting[position] = outcome;
            while (_waiting.Remove(_next, out var o))
            {
                _next++;
                if (o.Failure is not null)
                {
                    Failed++;
                    if (_failures.Count < FailureMessagesKept) _failures.Add(o.Failure);
                    continue;
                }
                var rejection = o.Rejection ?? NearDuplicate(o.Record!);
                store.Commit(o.Record!, rejection);
                if (rejection is null) { Accepted++; continue; }
                Rejected++;
                var gate = rejection.Split(':', 2)[0];
                _rejectedBy[gate] = _rejectedBy.GetValueOrDefault(gate) + 1;
            }
            afterCommit(this);
        }
    }

    /// <summary>The near-duplicate rejection of a record's prompt (and adds it to the index when it is new).</summary>
    string? NearDuplicate(JsonObject record)
    {
        if (duplicates is null) return null;
        var owner = duplicates.FindOrAdd(PromptOf(record), RecordStore.KeyOf(record));
        return owner is null ? null : $"minhash: prompt: a near-duplicate of {owner} (MinHash {duplicates.Options.Bands}×{duplicates.Options.Rows})";
    }

    /// <summary>The first user turn of a record (SFT messages or a pair's prompt): what near-duplicates are judged on.</summary>
    public static string PromptOf(JsonObject record)
    {
        var turns = (record["messages"] ?? record["prompt"])!.AsArray();
        return (string)turns.First(t => (string?)t!["role"] == "user")!["content"]!;
    }
}
