using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Modeling;
using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// A real full disk: the run writes to a small tmpfs mounted in a private mount namespace (unshare; as root or through
/// a user namespace), and after its first checkpoint the disk is filled to within a few hundred KB — enough for the
/// logs, not for another checkpoint. Nothing already saved may be lost, and the run must say so.
/// </summary>
public class DiskFullTests
{
    [Fact]
    public void DiskThatFillsDuringCheckpointWritesLosesNothingSavedAndTheRunResumesFromIt()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var overrides = TinyRuns.Overrides(data).Append("log.tensorboard=false").ToArray();
        var reference = temp.File("reference");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "log.tensorboard=false"), reference)) trainer.Run();

        var mount = temp.File("mnt");
        Directory.CreateDirectory(mount);
        var copy = temp.File("copy");
        var train = string.Join(' ', CrashRecoveryTests.Train($"{mount}/run", overrides, resume: false).Select(Quote));
        var script = $"""
            set -u
            mount -t tmpfs -o size=8m tmpfs {mount}
            TSUMUGI_TEST_CHECKPOINT_PAUSE_MS=1500 {Quote(TsumugiProcess.Executable)} {train} > {mount}/out.txt 2>&1 &
            pid=$!
            while [ ! -d {mount}/run/checkpoints/step-8 ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done
            free=$(df --output=avail -B1 {mount} | tail -1)
            fallocate -l $((free - 300000)) {mount}/filler
            wait $pid; echo "exit=$?" >> {mount}/out.txt
            cp -r {mount}/run {copy}; cp {mount}/out.txt {copy}/out.txt
            """;
        var (code, output) = Shell(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", script]);
        Assert.True(code == 0, output);
        var log = File.ReadAllText(Path.Combine(copy, "out.txt"));

        // The run reported the failures and exited non-zero (its final model could not be written)…
        Assert.Contains("exit=1", log);
        Assert.Contains("could not be written", log);
        Assert.Contains("step-8 is still the newest checkpoint", log);
        var events = JsonLinesLog.Read(Path.Combine(copy, "events.jsonl"));
        Assert.Contains(events, e => (string?)e["event"] == "checkpoint_failed");
        // …step-8 is intact and complete, and no partial directory was left behind…
        var checkpoints = Path.Combine(copy, "checkpoints");
        Assert.Equal(new[] { "step-8" }, Directory.GetDirectories(checkpoints).Select(d => Path.GetFileName(d)!).ToArray());
        Assert.Equal(8, TrainerState.Load(Path.Combine(checkpoints, "step-8", CheckpointStore.StateFile)).Step);
        HfModelDirectory.Load(Path.Combine(checkpoints, "step-8", "model")).Dispose();
        // …and once there is space again, --resume continues from it onto the uninterrupted curve.
        var moved = temp.File("resumed");
        Directory.Move(copy, moved);
        File.Delete(Path.Combine(moved, "out.txt"));
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "log.tensorboard=false"), moved, resume: true))
        {
            Assert.Equal(8, trainer.Step);
            Assert.True(trainer.Run().Completed);
        }
        ResumeTests.AssertSameCurve(reference, moved);
    }

    [Fact]
    public void Resume_DiskThatOnlyFitsThePlanWithTheRunsOwnCheckpoints_IsAllowedAndFinishes()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var overrides = TinyRuns.Overrides(data).Append("log.tensorboard=false").ToArray();
        var config = TinyRuns.Config(data, "log.tensorboard=false");
        long need;
        using (var plan = RunPlan.Create(config, ModelFactory.Config(config.Model), 1, bf16: false, temp.Path)) need = plan.DiskNeeded;

        var mount = temp.File("mnt");
        Directory.CreateDirectory(mount);
        var run = $"{mount}/run";
        var train = string.Join(' ', CrashRecoveryTests.Train(run, overrides, resume: false).Select(Quote));
        var resume = string.Join(' ', CrashRecoveryTests.Train(run, overrides, resume: true).Select(Quote));
        // Killed after step-16; then the disk is filled until less than the plan's estimate is free, but free space plus
        // the run's own checkpoints (which it rotates) covers it.
        var script = $"""
            set -u
            mount -t tmpfs -o size={(need >> 20) + 6}m tmpfs {mount}
            TSUMUGI_TEST_CHECKPOINT_PAUSE_MS=1500 {Quote(TsumugiProcess.Executable)} {train} > {mount}/first.txt 2>&1 &
            pid=$!
            while [ ! -d {run}/checkpoints/step-16 ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done
            kill -9 $pid; wait $pid
            own=0; for size in $(find {run}/checkpoints {run}/model -type f -printf '%s ' 2>/dev/null); do own=$((own + size)); done
            avail=$(df --output=avail -B1 {mount} | tail -1)
            target=$(({need} - own + 400000))
            echo "need={need} own=$own avail=$avail target=$target"
            if [ $target -ge {need} ] || [ $avail -le $target ]; then echo "setup failed"; cat {mount}/first.txt; exit 3; fi
            fallocate -l $((avail - target)) {mount}/filler
            {Quote(TsumugiProcess.Executable)} {resume} 2>&1; echo "exit=$?"
            """;
        var (code, output) = Shell(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", script]);
        Assert.True(code == 0, output);
        Assert.Contains("resuming from step-16", output);
        Assert.Contains("exit=0", output);
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    static (int Code, string Output) Shell(string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) p.Kill(entireProcessTree: true);
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
