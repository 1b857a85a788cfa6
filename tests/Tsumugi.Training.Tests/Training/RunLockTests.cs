using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// One trainer per run directory, on real `tsumugi train` processes: a second `train --resume` on a directory in use is
/// refused naming the holder; once the holder is killed -9, its lock is stale and the next resume takes it over.
/// </summary>
public class RunLockTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void Resume_DirectoryInUseByAnotherTrainer_IsRefusedNamingTheHolderAndAStaleLockIsTakenOver()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var overrides = TinyRuns.Overrides(data).Append("log.tensorboard=false").ToArray();
        var run = temp.File("run");
        var metrics = Path.Combine(run, "metrics.jsonl");
        // Checkpoint writes pause so the first trainer is certainly still running while the second one starts.
        using (var first = TsumugiProcess.Start(CrashRecoveryTests.Train(run, overrides, resume: false), new Dictionary<string, string> { ["TSUMUGI_TEST_CHECKPOINT_PAUSE_MS"] = "1500" }))
        {
            first.WaitUntil(() => File.Exists(metrics) && new FileInfo(metrics).Length > 0, Limit, "step 1");
            using (var second = TsumugiProcess.Start(CrashRecoveryTests.Train(run, overrides, resume: true)))
            {
                Assert.Equal(1, second.WaitForExit(Limit));
                Assert.Contains("is in use by another trainer", second.Output);
                Assert.Contains($"pid {first.Id} on host {Environment.MachineName}", second.Output);
                Assert.Contains(RunLock.FileName, second.Output);
            }
            Assert.False(first.HasExited, first.Output);
            first.Kill9();
        }
        Assert.True(File.Exists(Path.Combine(run, RunLock.FileName))); // a kill -9 leaves the lock behind…

        using (var third = TsumugiProcess.Start(CrashRecoveryTests.Train(run, overrides, resume: true)))
        {
            Assert.True(third.WaitForExit(Limit) == 0, third.Output);
            Assert.Contains("taking over a stale lock", third.Output); // …which the next resume recognises as stale
        }
        Assert.False(File.Exists(Path.Combine(run, RunLock.FileName)));
        // One writer at a time: every step exactly once, every line whole.
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), JsonLinesLog.Read(metrics).Select(l => (long)l["step"]!));
        JsonLinesLog.Read(Path.Combine(run, "events.jsonl"));
    }

    [Fact]
    public void Open_DirectoryLockedByALiveProcessOfThisHost_IsRefused()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var run = temp.File("run");
        using (RunLock.Acquire(run, TextWriter.Null))
        {
            // The lock names this very process, which is alive: not stale.
            var error = Assert.Throws<Config.TrainConfigException>(() => TinyRuns.Open(TinyRuns.Config(data), run));
            Assert.Contains($"pid {Environment.ProcessId}", error.Message);
        }
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data), run)) Assert.Equal(0, trainer.Step);
    }
}
