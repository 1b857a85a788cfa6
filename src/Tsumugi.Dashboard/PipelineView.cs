using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Dashboard;

/// <summary>
/// A pipeline's .pipeline/state.json (written atomically by `tsumugi pipeline run`) as the API serves it: the file's
/// object unchanged, plus per stage "run": the id of the stage's output folder when that folder is a training run
/// (so the page links to its curves), else null.
/// </summary>
public static class PipelineView
{
    public static JsonObject Read(RunsRoot root, string realDirectory)
    {
        var file = root.File(realDirectory, RunDiscovery.PipelineState) ?? throw DashboardException.NotFound($"pipeline '{root.IdOf(realDirectory)}'");
        JsonObject state;
        try
        {
            state = JsonNode.Parse(File.ReadAllBytes(file)) as JsonObject
                ?? throw new JsonException("the root is not an object");
        }
        catch (JsonException e)
        {
            // Shown on the page instead of failing the whole list: the pipeline is there, its state is unreadable.
            return new JsonObject { ["name"] = Path.GetFileName(realDirectory), ["stages"] = new JsonArray(), ["problem"] = $"{RunDiscovery.PipelineState}: {e.Message}" };
        }
        if (state["stages"] is JsonArray stages)
            foreach (var stage in stages.OfType<JsonObject>())
                stage["run"] = StageRun(root, realDirectory, stage["output"] is JsonValue v && v.TryGetValue<string>(out var o) ? o : null);
        return state;
    }

    /// <summary>running if any stage runs, failed if any failed, finished when all are done or skipped, else unknown.</summary>
    public static string Overall(IReadOnlyCollection<string?> stageStates) =>
        stageStates.Contains("running") ? "running"
        : stageStates.Contains("failed") ? "failed"
        : stageStates.Count > 0 && stageStates.All(s => s is "done" or "skipped") ? "finished"
        : "unknown";

    static string? StageRun(RunsRoot root, string realDirectory, string? output)
    {
        if (string.IsNullOrEmpty(output)) return null;
        var id = root.IdOf(realDirectory);
        var real = root.Resolve(id == "." ? output : id + "/" + output); // output is relative; the same gate as any request
        return real is not null && (root.File(real, RunDiscovery.MetricsFile) ?? root.File(real, RunDiscovery.EventsFile)) is not null ? root.IdOf(real) : null;
    }
}
