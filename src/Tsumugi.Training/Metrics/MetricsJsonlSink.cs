using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// RUN_DIR/metrics.jsonl: one object per optimizer step (keys in docs/training.md), doubles round-trip exact so a
/// resumed run's curve compares bit for bit with an uninterrupted one. A checkpoint records its length and keeps a
/// copy; a resume truncates it back to that length.
/// </summary>
public sealed class MetricsJsonlSink : IMetricsSink
{
    private readonly JsonLinesLog _log;

    /// <param name="truncateTo">Resume: the length recorded by the checkpoint (lines after it are dropped).</param>
    public MetricsJsonlSink(string path, long truncateTo) => _log = new JsonLinesLog(path, truncateTo);

    public string Path => _log.Path;

    /// <summary>Bytes written so far (every line is flushed, so this is the file's length).</summary>
    public long Length => _log.Length;

    /// <summary>Set when opening cut a torn last line (see <see cref="JsonLinesLog.TornTail"/>).</summary>
    public string? TornTail => _log.TornTail;

    /// <summary>Rollback: the lines after the checkpoint's step are dropped, so the rolled-back steps are not logged twice.</summary>
    public void TruncateTo(long length) => _log.TruncateTo(length);

    public void Log(StepReport r)
    {
        var line = new JsonObject
        {
            ["step"] = r.Step,
            ["loss"] = r.Loss,
            ["lr"] = r.LearningRate,
            ["tokens"] = r.Tokens,
            ["grad_norm"] = r.GradNorm,
            ["tokens_per_s"] = Math.Round(r.TokensPerSecond, 1),
            ["mfu"] = Math.Round(r.Mfu, 4),
            ["memory_mb"] = Math.Round(r.MemoryMb, 1),
            ["stage"] = r.Stage,
            ["time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        };
        if (r.HardwareMfu is { } hw) line["mfu_hw"] = Math.Round(hw, 4);
        if (r.ZLoss is { } z) line["z_loss"] = z;
        if (r.CommunicationSeconds is { } comm) line["comm_s"] = Math.Round(comm, 4);
        if (r.Skipped) line["skipped"] = true;
        if (r.DomainLoss.Count > 1) line["domain_loss"] = ToJson(r.DomainLoss);
        if (r.HeldOutLoss is { Count: > 0 } heldOut) line["val_loss"] = ToJson(heldOut);
        if (r.RouterAuxLoss is { } aux) line["router_aux_loss"] = aux;
        foreach (var (name, value) in r.Metrics ?? new Dictionary<string, double>()) line[name] = value;
        foreach (var (name, value) in r.HeldOutMetrics ?? new Dictionary<string, double>()) line["eval_" + name] = value;
        if (r.TaskScores is { Count: > 0 } tasks) line["tasks"] = ToJson(tasks);
        if (r.ExpertShare is { } share)
            line["expert_share"] = new JsonArray(share.Select(layer => (JsonNode)new JsonArray(layer.Select(v => (JsonNode)Math.Round(v, 4)).ToArray())).ToArray());
        _log.Append(line);
    }

    /// <summary>Publishes a copy of the file as it is now (a checkpoint's metrics.jsonl).</summary>
    public void CopyTo(string path)
    {
        // The log holds the file open for writing, so the reader must share write access.
        using var source = new FileStream(_log.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        AtomicFile.Write(path, source.CopyTo);
    }

    public void Finish(ICollection<string> problems) { }

    public void Dispose() => _log.Dispose();

    private static JsonObject ToJson(IReadOnlyDictionary<string, double> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) o[k] = v;
        return o;
    }
}
