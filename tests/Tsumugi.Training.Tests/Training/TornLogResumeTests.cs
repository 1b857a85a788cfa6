using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>Torn lines in metrics.jsonl / events.jsonl (two writers, a kill mid-line) do not break a later --resume.</summary>
public class TornLogResumeTests
{
    [Fact]
    public void Resume_TornLinesInTheLogs_AreReportedWithFileAndLineAndTheRunFinishes()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var config = TinyRuns.Config(data, "log.tensorboard=false");
        var run = temp.File("run");
        ResumeTests.RunUntil(config, run, 6);
        // Line 2 of metrics.jsonl garbled in place (same length, so the checkpoint's recorded length still fits),
        // and events.jsonl ending in half a line.
        var metrics = Path.Combine(run, "metrics.jsonl");
        var lines = File.ReadAllLines(metrics);
        lines[1] = "{\"step\":2,\"lo" + new string('x', lines[1].Length - 13);
        File.WriteAllText(metrics, string.Join('\n', lines) + "\n");
        File.AppendAllText(Path.Combine(run, "events.jsonl"), "{\"event\":\"chec");

        var log = new StringWriter();
        using (var trainer = Trainer.Open(config, run, resume: true, log)) Assert.True(trainer.Run().Completed);
        Assert.Contains($"{metrics}:2:", log.ToString());
        Assert.Contains("cut a torn last line", log.ToString());
        Assert.Contains(JsonLinesLog.Read(Path.Combine(run, "events.jsonl")), e => (string?)e["event"] == "finished");
        Assert.True(File.Exists(Path.Combine(run, "loss.png")));
    }
}
