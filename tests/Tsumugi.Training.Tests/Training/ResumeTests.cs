using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Training;

/// <summary>Stopping and resuming continues the same loss curve, bit for bit (CPU, same thread count).</summary>
public class ResumeTests
{
    static readonly string[] CurveKeys = ["step", "loss", "lr", "grad_norm", "tokens", "stage"];

    [Fact]
    public void StopAndResumeAndACrashAfterACheckpointBothReproduceTheUninterruptedCurve()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var config = TinyRuns.Config(data, "data.validation_fraction=0.05");

        var reference = temp.File("reference");
        using (var trainer = TinyRuns.Open(config, reference)) trainer.Run();

        // A stop (Ctrl-C / SIGTERM) at step 13 saves step-13; resuming finishes the run.
        var stopped = temp.File("stopped");
        RunUntil(config, stopped, 13);
        Assert.True(Directory.Exists(Path.Combine(stopped, "checkpoints", "step-13")));
        using (var trainer = TinyRuns.Open(config, stopped, resume: true))
        {
            Assert.Equal(13, trainer.Step);
            Assert.True(trainer.Run().Completed);
        }
        AssertSameCurve(reference, stopped);

        // A crash at step 11: the newest checkpoint is step-8 and metrics.jsonl already has 11 lines; the resume
        // drops lines 9–11 and recomputes them identically.
        var crashed = temp.File("crashed");
        RunUntil(config, crashed, 11);
        Directory.Delete(Path.Combine(crashed, "checkpoints", "step-11"), recursive: true);
        Assert.Equal(11, JsonLinesLog.Read(Path.Combine(crashed, "metrics.jsonl")).Count);
        using (var trainer = TinyRuns.Open(config, crashed, resume: true))
        {
            Assert.Equal(8, trainer.Step);
            trainer.Run();
        }
        AssertSameCurve(reference, crashed);
        AssertSameWeights(Path.Combine(reference, "model"), Path.Combine(crashed, "model"));
    }

    [Fact]
    public void ResumeWithAChangedConfigIsRefused()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var run = temp.File("run");
        RunUntil(TinyRuns.Config(data), run, 9);
        var error = Assert.Throws<Config.TrainConfigException>(() => TinyRuns.Open(TinyRuns.Config(data, "optimizer.lr=0.01"), run, resume: true));
        Assert.Contains("config changed", error.Message);
    }

    internal static void RunUntil(Config.TrainConfig config, string run, long stopAfter)
    {
        using var stop = new CancellationTokenSource();
        using var trainer = TinyRuns.Open(config, run);
        trainer.StepCompleted += r =>
        {
            if (r.Step == stopAfter) stop.Cancel();
        };
        var outcome = trainer.Run(stop.Token);
        Assert.False(outcome.Completed);
        Assert.Equal(stopAfter, outcome.Step);
    }

    internal static void AssertSameCurve(string expectedRun, string actualRun)
    {
        var expected = JsonLinesLog.Read(Path.Combine(expectedRun, "metrics.jsonl"));
        var actual = JsonLinesLog.Read(Path.Combine(actualRun, "metrics.jsonl"));
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            foreach (var key in CurveKeys)
                Assert.True(expected[i][key]?.ToJsonString() == actual[i][key]?.ToJsonString(),
                    $"step {i + 1} {key}: {expected[i][key]?.ToJsonString()} vs {actual[i][key]?.ToJsonString()}");
    }

    internal static void AssertSameWeights(string expectedModel, string actualModel)
    {
        var expected = StateDictIO.ReadAll(expectedModel);
        var actual = StateDictIO.ReadAll(actualModel);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected) Assert.True(tensor.equal(actual[name]).all().item<bool>(), $"{name} differs");
    }
}
