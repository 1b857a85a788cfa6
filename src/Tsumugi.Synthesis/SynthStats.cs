using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis;

/// <summary>
/// stats.json of an output directory — one entry per run (so tallies and costs add up across resumed runs) — and the
/// summary <c>tsumugi synth stats</c> prints, which counts records and rejections from the shards themselves.
/// </summary>
public static class SynthStats
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>How many runs stats.json holds: the index the next run writes its entry at.</summary>
    public static int RunCount(string path) => Runs(path).Count;

    /// <summary>
    /// Writes run <paramref name="index"/>'s entry (replacing an earlier snapshot of the same run): the runner writes one
    /// every few seconds, so a run killed with -9 leaves its tallies up to then, and a final one when it ends.
    /// </summary>
    public static void Write(string path, int index, SynthOutcome outcome, bool finished)
    {
        var runs = Runs(path);
        var run = JsonSerializer.SerializeToNode(outcome, Json)!.AsObject();
        run["finished"] = finished;
        run["updated_at"] = DateTimeOffset.UtcNow.ToString("O");
        if (index < runs.Count) runs[index] = run;
        else runs.Add(run);
        AtomicFile.WriteAllText(path, new JsonObject { ["runs"] = runs }.ToJsonString(Json));
    }

    static JsonArray Runs(string path) =>
        File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))?["runs"] is JsonArray runs ? (JsonArray)runs.DeepClone() : [];

    /// <summary>The summary of an output directory, as text lines (what <c>synth stats</c> prints).</summary>
    public static IReadOnlyList<string> Summarize(string directory)
    {
        if (!File.Exists(Path.Combine(directory, SynthRunner.ConfigCopy)))
            throw new DirectoryNotFoundException($"{directory}: no synth run here (no {SynthRunner.ConfigCopy}); give the --output directory of `tsumugi synth run`.");
        var lines = new List<string>();
        int records = RecordStore.ReadShards(Path.Combine(directory, "records")).Count();
        var rejects = RecordStore.ReadShards(Path.Combine(directory, "rejected")).Select(r => ((string)r["reason"]!).Split(':', 2)[0]).ToList();
        var open = Path.Combine(directory, "state", "open.jsonl");
        int journaled = File.Exists(open) ? ResumableJsonl.ReadWhole(open, out _).Count : 0;
        lines.Add($"records   {records} accepted in {Path.Combine(directory, "records")}");
        lines.Add($"rejected  {rejects.Count} in {Path.Combine(directory, "rejected")}" + (rejects.Count == 0 ? "" : " — by gate: "
            + string.Join(", ", rejects.GroupBy(r => r).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))));
        if (journaled > 0) lines.Add($"journal   {journaled} outcomes not yet sealed into shards (an interrupted run: --resume seals them)");

        var runs = Runs(Path.Combine(directory, SynthRunner.StatsFile));
        int unfinished = runs.Count(r => r!["finished"] is JsonValue v && !v.GetValue<bool>());
        lines.Add($"runs      {runs.Count} recorded" + (runs.Count == 0 ? "" : $", {runs.Sum(r => (double)r!["seconds"]!):0.#} s in all")
            + (unfinished == 0 ? "" : $" ({unfinished} killed: their failures and retries stop at their last update, up to 5 s before the end)"));
        // Answers and their tokens and cost come from the request cache, which every answer reaches as it arrives (killed
        // runs included); failed attempts and retries only from the runs' tallies in stats.json.
        var paid = RequestCache.PaidByEndpoint(Path.Combine(directory, "state", "requests.jsonl"));
        var tallies = runs.SelectMany(r => r!["endpoints"]!.AsObject()).GroupBy(e => e.Key, e => e.Value!).ToDictionary(g => g.Key, g => g.ToList());
        lines.Add($"{"endpoint",-16} {"requests",9} {"ok",7} {"failed",7} {"retries",8} {"prompt tok",11} {"compl. tok",11} {"cost",10}  failures by kind");
        foreach (var name in paid.Keys.Union(tallies.Keys).Order(StringComparer.Ordinal))
        {
            var t = tallies.GetValueOrDefault(name) ?? [];
            var p = paid.GetValueOrDefault(name) ?? new RequestCache.Paid(0, 0, 0, 0);
            long failed = t.Sum(e => (long)e["failed"]!), retries = t.Sum(e => (long)e["retries"]!);
            var kinds = t.SelectMany(e => e["failures"]!.AsObject()).GroupBy(k => k.Key).Select(k => $"{k.Key} {k.Sum(v => (long)v.Value!)}");
            lines.Add($"{name,-16} {p.Answers + failed + retries,9} {p.Answers,7} {failed,7} {retries,8} {p.PromptTokens,11} {p.CompletionTokens,11} {p.Cost,10:0.####}  {string.Join(", ", kinds)}");
        }
        if (paid.Count > 0) lines.Add($"(ok, tokens and cost: the {paid.Values.Sum(p => p.Answers)} answers in state/requests.jsonl, which --resume replays instead of asking again)");
        return lines;
    }
}
