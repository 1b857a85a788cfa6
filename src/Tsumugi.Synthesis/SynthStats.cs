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
            + (unfinished == 0 ? "" : $" ({unfinished} killed: their tallies stop at their last update, up to 5 s before the end)"));
        var endpoints = runs.SelectMany(r => r!["endpoints"]!.AsObject()).GroupBy(e => e.Key, e => e.Value);
        lines.Add($"{"endpoint",-16} {"requests",9} {"ok",7} {"failed",7} {"retries",8} {"prompt tok",11} {"compl. tok",11} {"cost",10}  failures by kind");
        foreach (var g in endpoints)
        {
            long Sum(string key) => g.Sum(e => (long)e![key]!);
            var kinds = g.SelectMany(e => e!["failures"]!.AsObject()).GroupBy(k => k.Key).Select(k => $"{k.Key} {k.Sum(v => (long)v.Value!)}");
            lines.Add($"{g.Key,-16} {Sum("requests"),9} {Sum("succeeded"),7} {Sum("failed"),7} {Sum("retries"),8} {Sum("prompt_tokens"),11} {Sum("completion_tokens"),11} "
                + $"{g.Sum(e => (double)e!["cost"]!),10:0.####}  {string.Join(", ", kinds)}");
        }
        var cache = Path.Combine(directory, "state", "requests.jsonl");
        if (File.Exists(cache)) lines.Add($"cache     {ResumableJsonl.ReadWhole(cache, out _).Count} answers kept for resuming");
        return lines;
    }
}
