using Tsumugi.Training.Loop;

namespace Tsumugi.Cli.Stages;

/// <summary>One-line summaries of finished runs, for stage results and the demo report.</summary>
static class RunSummary
{
    /// <summary>A training run's curve in one line: first and last training loss, held-out loss per domain, speed.</summary>
    public static string Training(string runDir)
    {
        var lines = JsonLinesLog.Read(Path.Combine(runDir, "metrics.jsonl"));
        if (lines.Count == 0) return "no steps logged";
        var evaluations = lines.Where(l => l["val_loss"] is not null).ToList();
        var heldOut = evaluations.Count == 0 ? "" : "; held-out loss " + string.Join(", ",
            evaluations[^1]["val_loss"]!.AsObject().Select(kv => $"{kv.Key} {(double)evaluations[0]["val_loss"]![kv.Key]!:F2} → {(double)kv.Value!:F2} (step {evaluations[0]["step"]} → {evaluations[^1]["step"]})"));
        var speed = lines.Skip(1).DefaultIfEmpty(lines[0]).Average(l => (double)l["tokens_per_s"]!);
        var mfu = lines.Skip(1).DefaultIfEmpty(lines[0]).Average(l => (double)l["mfu"]!);
        return $"{lines.Count} steps, {(long)lines[^1]["tokens"]!:N0} tokens; training loss {(double)lines[0]["loss"]!:F2} → {(double)lines[^1]["loss"]!:F2}{heldOut}; {speed:N0} tokens/s, MFU {100 * mfu:F0}%";
    }
}
