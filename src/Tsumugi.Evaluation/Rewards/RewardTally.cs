using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Running totals of one scorer over a run: responses asked about, scored, failed per kind, retried requests, the tokens
/// a judge endpoint reported and what they cost at <see cref="Pricing"/>. Thread-safe: a judge records from its
/// concurrent requests. Printed once per iteration (<see cref="SummaryLine"/>) and written next to the run's other
/// results (<see cref="Write"/>), so a run that lost half its rewards to a flaky endpoint says so.
/// </summary>
public sealed class RewardTally(string scorer, RewardPricing? pricing = null)
{
    readonly Lock _gate = new();
    readonly SortedDictionary<string, long> _failures = new(StringComparer.Ordinal);
    long _requests, _scored, _retries, _promptTokens, _completionTokens;

    public string Scorer { get; } = scorer;
    public RewardPricing Pricing { get; } = pricing ?? RewardPricing.Free;

    public long Requests { get { lock (_gate) return _requests; } }
    public long Scored { get { lock (_gate) return _scored; } }
    public long Failed { get { lock (_gate) return _failures.Values.Sum(); } }
    public long Retries { get { lock (_gate) return _retries; } }
    public long PromptTokens { get { lock (_gate) return _promptTokens; } }
    public long CompletionTokens { get { lock (_gate) return _completionTokens; } }
    public double Cost { get { lock (_gate) return Pricing.Cost(_promptTokens, _completionTokens); } }

    /// <summary>Failures per kind, kinds in ordinal order (a copy).</summary>
    public IReadOnlyDictionary<string, long> FailedByKind { get { lock (_gate) return new Dictionary<string, long>(_failures); } }

    /// <summary>Counts one scored (or failed) request, with the retries and tokens it took.</summary>
    public void Record(RewardScore score, int retries = 0, long promptTokens = 0, long completionTokens = 0)
    {
        lock (_gate)
        {
            _requests++;
            if (score.Failure is { } f) _failures[f.Kind] = _failures.GetValueOrDefault(f.Kind) + 1;
            else _scored++;
            _retries += retries;
            _promptTokens += promptTokens;
            _completionTokens += completionTokens;
        }
    }

    public void RecordAll(IEnumerable<RewardScore> scores)
    {
        foreach (var s in scores) Record(s);
    }

    /// <summary>One line for the log: <c>reward judge:m: 120 requests, 115 scored, 5 failed (no_verdict 3, judge_timeout 2), 7 retries, …</c>.</summary>
    public string SummaryLine()
    {
        lock (_gate)
        {
            var c = CultureInfo.InvariantCulture;
            var failed = _failures.Values.Sum();
            var line = string.Create(c, $"reward {Scorer}: {_requests:N0} requests, {_scored:N0} scored, {failed:N0} failed");
            if (failed > 0) line += " (" + string.Join(", ", _failures.Select(kv => string.Create(c, $"{kv.Key} {kv.Value:N0}"))) + ")";
            line += string.Create(c, $", {_retries:N0} retries");
            if (_promptTokens + _completionTokens > 0)
                line += string.Create(c, $", {_promptTokens:N0} prompt + {_completionTokens:N0} completion tokens");
            if (Pricing != RewardPricing.Free) line += string.Create(c, $", cost {Pricing.Cost(_promptTokens, _completionTokens):0.####}");
            return line;
        }
    }

    public JsonObject ToJson()
    {
        lock (_gate)
        {
            var failures = new JsonObject();
            foreach (var (kind, n) in _failures) failures[kind] = n;
            return new JsonObject
            {
                ["scorer"] = Scorer,
                ["requests"] = _requests,
                ["scored"] = _scored,
                ["failed"] = _failures.Values.Sum(),
                ["failures"] = failures,
                ["retries"] = _retries,
                ["prompt_tokens"] = _promptTokens,
                ["completion_tokens"] = _completionTokens,
                ["price_input_per_million"] = Pricing.InputPerMillion,
                ["price_output_per_million"] = Pricing.OutputPerMillion,
                ["cost"] = Pricing.Cost(_promptTokens, _completionTokens),
            };
        }
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="jsonPath"/> atomically (a rerun of an iteration replaces it whole).</summary>
    public void Write(string jsonPath) =>
        AtomicFile.WriteAllText(jsonPath, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
