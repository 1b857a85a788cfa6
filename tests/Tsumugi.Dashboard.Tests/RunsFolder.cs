using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Tsumugi.Dashboard.Tests;

/// <summary>
/// A --runs folder written by the test: training runs (metrics.jsonl, events.jsonl, samples.jsonl), eval result
/// envelopes and pipeline state files, in the formats the trainer, `eval --output` and `pipeline run` write.
/// </summary>
public sealed class RunsFolder : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-dash");

    public string Path => _dir.Path;

    public string Dir(string relative)
    {
        var path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>One metrics.jsonl line as the trainer writes it, with per-domain loss and, when given, held-out loss.</summary>
    public static string MetricsLine(long step, double loss, string stage = "main", double? valLoss = null)
    {
        var o = new JsonObject
        {
            ["step"] = step, ["loss"] = loss, ["lr"] = 1e-3, ["tokens"] = step * 4096, ["grad_norm"] = 1.5, ["tokens_per_s"] = 1000.0,
            ["mfu"] = 0.3, ["memory_mb"] = 700.0, ["stage"] = stage, ["time"] = 1796606677.0 + step,
            ["domain_loss"] = new JsonObject { ["ja"] = loss + 0.1, ["en"] = loss - 0.1 },
        };
        if (valLoss is { } v) o["val_loss"] = new JsonObject { ["ja"] = v };
        return o.ToJsonString() + "\n";
    }

    public static string EventLine(string kind, long step, string message) =>
        new JsonObject { ["event"] = kind, ["step"] = step, ["message"] = message, ["time"] = "2026-12-07T01:24:36.1155024+00:00" }.ToJsonString() + "\n";

    /// <summary>A run of <paramref name="steps"/> steps with a smooth loss curve; returns its folder.</summary>
    public string Run(string relative, int steps, Func<long, double>? loss = null, bool finished = true)
    {
        var dir = Dir(relative);
        var metrics = new StringBuilder();
        for (long s = 1; s <= steps; s++) metrics.Append(MetricsLine(s, loss?.Invoke(s) ?? 8.0 / Math.Sqrt(s), valLoss: s % 10 == 0 ? 7.0 : null));
        File.WriteAllText(System.IO.Path.Combine(dir, "metrics.jsonl"), metrics.ToString());
        var events = EventLine("start", 0, $"{steps} steps planned") + EventLine("spike", 5, "loss 9.1 is 6.2σ above the mean") + EventLine("checkpoint", steps, "checkpoints/step-" + steps);
        if (finished) events += EventLine("finished", steps, "model");
        File.WriteAllText(System.IO.Path.Combine(dir, "events.jsonl"), events);
        return dir;
    }

    public void Append(string file, string text) => File.AppendAllText(System.IO.Path.Combine(Path, file), text);

    public void Write(string file, string text)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.Combine(Path, file))!);
        File.WriteAllText(System.IO.Path.Combine(Path, file), text);
    }

    /// <summary>An eval result envelope (EvalSummary's shape), with a bulky details object after the metrics as real files have.</summary>
    public void EvalResult(string file, string model, double acc) => Write(file, new JsonObject
    {
        ["kind"] = "tasks", ["model"] = model, ["created"] = DateTimeOffset.UnixEpoch.ToString("O", CultureInfo.InvariantCulture),
        ["metrics"] = new JsonObject { ["mc_ja/acc"] = acc, ["avg"] = acc / 2 },
        ["details"] = new JsonObject { ["generations"] = new JsonArray(Enumerable.Range(0, 50).Select(i => (JsonNode)new JsonObject { ["input"] = new string('あ', 100) }).ToArray()) },
    }.ToJsonString());

    /// <summary>.pipeline/state.json as `tsumugi pipeline run` writes it.</summary>
    public void Pipeline(string relative, params (string Name, string State, string Output)[] stages) => Write(relative + "/.pipeline/state.json", new JsonObject
    {
        ["name"] = "demo", ["config"] = "/abs/pipeline.yaml", ["updated"] = "2026-12-07T01:24:36Z",
        ["stages"] = new JsonArray(stages.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name, ["kind"] = "train", ["state"] = s.State, ["fingerprint"] = "ab12", ["started"] = null, ["finished"] = null,
            ["seconds"] = null, ["output"] = s.Output, ["message"] = null,
        }).ToArray()),
    }.ToJsonString());

    public void Dispose() => _dir.Dispose();
}
