using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Tsumugi.Dashboard;

/// <summary>
/// Everything the API reads, behind <see cref="RunsRoot"/>: the run list, and each run's logs kept in memory and
/// refreshed incrementally on each request (so a 100k-step run is parsed once, then only its new lines).
/// </summary>
public sealed class RunCatalog(RunsRoot root)
{
    readonly ConcurrentDictionary<string, MetricsLog> _metrics = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, JsonLinesLog> _lines = new(StringComparer.Ordinal);

    public RunsRoot Root { get; } = root;

    /// <summary>The metrics of the run <paramref name="id"/>; an empty snapshot while metrics.jsonl does not exist yet.</summary>
    public SeriesSnapshot Metrics(string id)
    {
        var file = Root.File(Root.Directory(id), RunDiscovery.MetricsFile);
        return file is null ? new SeriesSnapshot(0, null, 0, new Dictionary<string, (double[], double[])>(), []) : MetricsOf(file);
    }

    /// <summary>Whole lines of events.jsonl or samples.jsonl of the run <paramref name="id"/> (none when the file is absent).</summary>
    public (IReadOnlyList<byte[]> Lines, long Offset) Lines(string id, string fileName) => LinesOf(Root.Directory(id), fileName);

    /// <summary>One entry per run and pipeline under --runs, in path order, as /api/runs answers.</summary>
    public JsonArray List()
    {
        var list = new JsonArray();
        var now = DateTime.UtcNow;
        var all = RunDiscovery.Walk(Root);
        // The first listing parses every run (35 MB for 10 runs × 10k steps): one core per run; later ones read only new lines.
        Parallel.ForEach(all.Where(f => f.Kind == "run"), found =>
        {
            if (Root.File(found.RealPath, RunDiscovery.MetricsFile) is { } file) CountsOf(file);
        });
        foreach (var found in all)
            list.Add(found.Kind == "pipeline" ? PipelineEntry(found.RealPath) : RunEntry(found.RealPath, now));
        return list;
    }

    JsonObject RunEntry(string real, DateTime now)
    {
        var metricsFile = Root.File(real, RunDiscovery.MetricsFile);
        var (steps, lastStep) = metricsFile is null ? (0, null) : CountsOf(metricsFile);
        var (events, _) = LinesOf(real, RunDiscovery.EventsFile);
        var updated = LastWrite(metricsFile, Root.File(real, RunDiscovery.EventsFile));
        var locked = File.Exists(Path.Combine(real, "train.lock"));
        return new JsonObject
        {
            ["id"] = Root.IdOf(real),
            ["kind"] = "run",
            ["name"] = Path.GetFileName(real),
            ["state"] = RunState.Judge(events, updated, locked, now),
            ["steps"] = steps,
            ["last_step"] = lastStep ?? 0,
            ["updated"] = Iso(updated),
        };
    }

    JsonObject PipelineEntry(string real)
    {
        var state = PipelineView.Read(Root, real);
        var stages = state["stages"] as JsonArray ?? [];
        var states = stages.Select(s => (string?)s?["state"]).ToList();
        return new JsonObject
        {
            ["id"] = Root.IdOf(real),
            ["kind"] = "pipeline",
            ["name"] = (string?)state["name"] ?? Path.GetFileName(real),
            ["state"] = PipelineView.Overall(states),
            ["steps"] = states.Count,
            ["last_step"] = states.Count(s => s is "done" or "skipped"),
            ["updated"] = (string?)state["updated"] ?? Iso(LastWrite(Root.File(real, RunDiscovery.PipelineState))),
        };
    }

    SeriesSnapshot MetricsOf(string realFile) => Log(realFile).Refresh();

    (int Steps, long? LastStep) CountsOf(string realFile) => Log(realFile).Counts();

    MetricsLog Log(string realFile) => _metrics.GetOrAdd(realFile, f => new MetricsLog(f));

    (IReadOnlyList<byte[]>, long) LinesOf(string realDirectory, string fileName)
    {
        var file = Root.File(realDirectory, fileName);
        return file is null ? ([], 0) : _lines.GetOrAdd(file, f => new JsonLinesLog(f)).Refresh();
    }

    static DateTime LastWrite(params string?[] files) =>
        files.Where(f => f is not null).Select(f => File.GetLastWriteTimeUtc(f!)).DefaultIfEmpty(DateTime.UnixEpoch).Max();

    static string Iso(DateTime utc) => new DateTimeOffset(utc, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
}
