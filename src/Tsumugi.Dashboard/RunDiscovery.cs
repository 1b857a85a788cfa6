namespace Tsumugi.Dashboard;

/// <summary>
/// Finds what the dashboard lists by walking --runs: a directory holding metrics.jsonl or events.jsonl is a training
/// run, one holding .pipeline/state.json a pipeline (a pipeline's stage folders are found as runs too). The walk is
/// depth-limited and skips folders that never hold runs (checkpoints/, tensorboard/, model/, hidden ones), so a
/// --runs with big corpora or many checkpoints lists in milliseconds. Symlinked folders are followed only while their
/// real path stays under --runs, each real folder once.
/// </summary>
public static class RunDiscovery
{
    /// <summary>How deep below --runs runs are looked for (--runs/project/pipeline/stage/… is depth 3).</summary>
    public const int MaxDepth = 6;

    public const string MetricsFile = "metrics.jsonl";
    public const string EventsFile = "events.jsonl";
    public const string SamplesFile = "samples.jsonl";
    public const string PipelineState = ".pipeline/state.json";

    /// <summary>Folders below which nothing is listed: checkpoints and model weights, logs, and data.</summary>
    static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { "checkpoints", "tensorboard", "model", "adapter", "node_modules" };

    /// <summary>A folder found: its real path and whether it is a run or a pipeline.</summary>
    public sealed record Found(string RealPath, string Kind);

    public static List<Found> Walk(RunsRoot root)
    {
        var found = new List<Found>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Visit(root, root.Real, 0, found, seen);
        return found;
    }

    /// <summary>Directories a walk descends into: not skipped, not hidden, real path under --runs.</summary>
    public static IEnumerable<string> Children(RunsRoot root, string realDirectory)
    {
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateDirectories(realDirectory).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; } // unreadable: shown as absent, never fatal
        foreach (var child in entries.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(child);
            if (name.StartsWith('.') || Skipped.Contains(name)) continue;
            var real = RunsRoot.RealPath(child);
            if (real is not null && root.Contains(real)) yield return real;
        }
    }

    static void Visit(RunsRoot root, string real, int depth, List<Found> found, HashSet<string> seen)
    {
        if (!seen.Add(real)) return;
        if (root.File(real, PipelineState) is not null) found.Add(new Found(real, "pipeline"));
        if (root.File(real, MetricsFile) is not null || root.File(real, EventsFile) is not null) found.Add(new Found(real, "run"));
        if (depth == MaxDepth) return;
        foreach (var child in Children(root, real)) Visit(root, child, depth + 1, found, seen);
    }
}
