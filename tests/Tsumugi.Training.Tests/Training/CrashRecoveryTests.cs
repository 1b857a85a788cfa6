using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// The acceptance tests of the trainer's failure handling, on real `tsumugi train` processes: kill -9 at a random step
/// and during a checkpoint write, then resume — the curve equals an uninterrupted run's.
/// </summary>
public class CrashRecoveryTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void Kill9AtARandomStepAndDuringACheckpointWriteThenResumeReproducesTheUninterruptedCurve()
    {
        using var temp = new TempDirectory();
        var (overrides, reference, run) = UninterruptedReference(temp);
        var metrics = Path.Combine(run, "metrics.jsonl");
        var killStep = new Random().Next(2, 20);
        // Checkpoint writes pause 1 s here so the run cannot finish before the kill lands, whatever the machine's speed.
        using (var first = TsumugiProcess.Start(Train(run, overrides, resume: false), new Dictionary<string, string> { ["TSUMUGI_TEST_CHECKPOINT_PAUSE_MS"] = "1000" }))
        {
            first.WaitUntil(() => Lines(metrics) >= killStep, Limit, $"step {killStep}");
            first.Kill9();
        }
        var reached = Lines(metrics);

        // Resume, and kill again while the next checkpoint is being written (the test hook holds the write open).
        var pause = new Dictionary<string, string> { ["TSUMUGI_TEST_CHECKPOINT_PAUSE_MS"] = "3000" };
        var checkpoints = Path.Combine(run, "checkpoints");
        string[] completeBefore;
        using (var second = TsumugiProcess.Start(Train(run, overrides, resume: true), pause))
        {
            second.WaitUntil(() => Directory.Exists(checkpoints) && Directory.GetDirectories(checkpoints, ".step-*.partial").Length > 0, Limit, "a checkpoint write");
            completeBefore = Directory.GetDirectories(checkpoints, "step-*").Select(Path.GetFileName).Order().ToArray()!;
            second.Kill9();
        }
        // The interrupted write published nothing: the same complete checkpoints as before it began.
        Assert.Equal(completeBefore, Directory.GetDirectories(checkpoints, "step-*").Select(Path.GetFileName).Order().ToArray());

        using (var third = TsumugiProcess.Start(Train(run, overrides, resume: true)))
            Assert.True(third.WaitForExit(Limit) == 0, third.Output);
        Assert.Empty(Directory.GetDirectories(checkpoints, ".step-*"));
        ResumeTests.AssertSameCurve(reference, run);
        ResumeTests.AssertSameWeights(Path.Combine(reference, "model"), Path.Combine(run, "model"));
        Assert.True(reached >= killStep, $"killed at step {killStep}");
    }

    [Fact]
    public void SigtermSavesACheckpointAtTheCurrentStepAndResumeFinishesTheRun()
    {
        using var temp = new TempDirectory();
        var (overrides, reference, run) = UninterruptedReference(temp);
        var metrics = Path.Combine(run, "metrics.jsonl");
        int code;
        string output;
        using (var process = TsumugiProcess.Start(Train(run, overrides, resume: false), new Dictionary<string, string> { ["TSUMUGI_TEST_CHECKPOINT_PAUSE_MS"] = "1000" }))
        {
            process.WaitUntil(() => Lines(metrics) >= 3, Limit, "step 3");
            process.Terminate();
            code = process.WaitForExit(Limit);
            output = process.Output;
        }
        Assert.True(code == 130, $"exit code {code}; output:\n{output}");
        Assert.Contains("--resume", output);
        var stoppedAt = Lines(metrics);
        Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", $"step-{stoppedAt}")), $"no checkpoint at step {stoppedAt}:\n{output}");
        using (var resumed = TsumugiProcess.Start(Train(run, overrides, resume: true)))
            Assert.True(resumed.WaitForExit(Limit) == 0, resumed.Output);
        ResumeTests.AssertSameCurve(reference, run);
    }

    [Fact]
    public void TrainPlanPrintsThePlanAndBadKeysAreOneLineErrors()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        using (var plan = TsumugiProcess.Start(["train", "plan", "--config", TinyRuns.TinyConfig, "--set", $"data.path={data}", "--output", temp.File("run")]))
        {
            Assert.True(plan.WaitForExit(Limit) == 0, plan.Output);
            foreach (var expected in new[] { "run plan", "200 steps", "2,048 tokens/step", "checkpoint every 50 steps", "counting", "plan OK" })
                Assert.Contains(expected, plan.Output);
        }
        Assert.False(Directory.Exists(temp.File("run"))); // a plan trains and writes nothing
        using var bad = TsumugiProcess.Start(["train", "plan", "--config", TinyRuns.TinyConfig, "--set", $"data.path={data}", "--set", "train.micro_batch=4"]);
        Assert.Equal(1, bad.WaitForExit(Limit));
        var error = Assert.Single(bad.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("unknown key 'train.micro_batch'", error);
    }

    /// <summary>Synthetic data, the CLI overrides for it, and an uninterrupted in-process run to compare against.</summary>
    static (string[] Overrides, string Reference, string Run) UninterruptedReference(TempDirectory temp)
    {
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var reference = temp.File("reference");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data), reference)) trainer.Run();
        return (TinyRuns.Overrides(data), reference, temp.File("run"));
    }

    internal static IEnumerable<string> Train(string run, IEnumerable<string> overrides, bool resume)
    {
        yield return "train";
        yield return "--config";
        yield return TinyRuns.TinyConfig;
        yield return "--output";
        yield return run;
        foreach (var o in overrides)
        {
            yield return "--set";
            yield return o;
        }
        if (resume) yield return "--resume";
    }

    static int Lines(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Count(c => c == '\n');
    }
}
