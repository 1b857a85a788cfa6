using System.Globalization;
using System.Text.Json.Nodes;

namespace Tsumugi.Training.Loop;

/// <summary>
/// RUN_DIR/events.jsonl: what happened to the run, one object per event (start, resume, checkpoint,
/// checkpoint_failed, spike, rollback, rollback_unavailable, stopped, finished) with its step and a message.
/// </summary>
public sealed class EventLog(string path) : IDisposable
{
    private readonly JsonLinesLog _log = new(path);

    /// <summary>Set when opening cut a torn last line (see <see cref="JsonLinesLog.TornTail"/>).</summary>
    public string? TornTail => _log.TornTail;

    public void Append(string kind, long step, string message, JsonObject? extra = null)
    {
        var o = new JsonObject { ["event"] = kind, ["step"] = step, ["message"] = message, ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
        foreach (var (k, v) in extra ?? new JsonObject()) o[k] = v?.DeepClone();
        _log.Append(o);
    }

    public void Dispose() => _log.Dispose();
}
