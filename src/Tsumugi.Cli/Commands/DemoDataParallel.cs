using System.Diagnostics;
using Tsumugi.Training.Loop;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// The demo's scale-out check: the same short run on one process and on two MPI ranks with ZeRO-1, at the same global
/// batch — the curves must agree to fp32 round-off, and each rank holds half the optimizer state. Needs mpirun
/// (Debian's openmpi-bin); without it the stage says so, since the demo needs only the .NET SDK.
/// </summary>
static class DemoDataParallel
{
    public static string Run(string config, string dataDir, string tokenizerDir, string output, int steps, Action<string[]> cli)
    {
        if (!OnPath("mpirun")) return "skipped: mpirun is not installed (Debian: apt install openmpi-bin; see docs/cluster.md)";
        string[] sets = [$"data.path={dataDir}", $"model.tokenizer={tokenizerDir}", $"train.max_steps={steps}", $"schedule.warmup_steps={Math.Max(1, steps / 10)}",
            "train.threads=1", "eval.interval=0", "checkpoint.interval=0", "log.tensorboard=false", "log.interval=1000"];
        string one = Path.Combine(output, "dp-1rank"), two = Path.Combine(output, "dp-2ranks-zero1");
        foreach (var dir in new[] { one, two })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        cli(["train", "--config", config, "--output", one, .. sets.SelectMany(s => new[] { "--set", s })]);
        Mpirun(2, ["train", "--config", config, "--output", two, .. sets.Append("parallel.zero=1").SelectMany(s => new[] { "--set", s })]);
        var (a, b) = (Metrics(one), Metrics(two));
        var difference = a.Zip(b, (x, y) => Math.Abs((double)x["loss"]! - (double)y["loss"]!) / Math.Abs((double)x["loss"]!)).Max();
        double Speed(IReadOnlyList<System.Text.Json.Nodes.JsonNode> lines) => Median(lines.Skip(2).Select(l => (double)l["tokens_per_s"]!));
        var commShare = Median(b.Skip(2).Select(l => (double)l["comm_s"]! * (double)l["tokens_per_s"]! / ((double)l["tokens"]! / (double)l["step"]!)));
        var whole = new FileInfo(Path.Combine(one, "checkpoints", $"step-{steps}", "optimizer.safetensors")).Length;
        var shard = Directory.GetFiles(Path.Combine(two, "checkpoints", $"step-{steps}"), "optimizer-rank-*").Max(f => new FileInfo(f).Length);
        return $"{steps} steps, loss {(double)a[0]["loss"]!:F2} → {(double)a[^1]["loss"]!:F2} on 1 rank; 2 ranks × ZeRO-1 follow it to {difference:0.0e+0} (max relative difference); " +
               $"optimizer state per rank {whole / 1048576.0:F1} → {shard / 1048576.0:F1} MiB; {Speed(a):N0} → {Speed(b):N0} tokens/s with 1 thread per rank, {100 * commShare:F0}% of the step in communication";
    }

    static IReadOnlyList<System.Text.Json.Nodes.JsonNode> Metrics(string run) => JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Runs this very executable under mpirun (as root in a container too; ranks unbound, one thread each).</summary>
    static void Mpirun(int ranks, string[] args)
    {
        var self = Path.Combine(AppContext.BaseDirectory, "tsumugi");
        if (!File.Exists(self)) self = Environment.ProcessPath!;
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-x", "OMP_NUM_THREADS=1", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), self }.Concat(args))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`mpirun -np {ranks} tsumugi {string.Join(' ', args)}` failed (exit code {process.ExitCode}): {string.Join('\n', (stdout.Result + stderr.Result).Trim().Split('\n').TakeLast(8))}");
    }

    static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, tool)));
}
