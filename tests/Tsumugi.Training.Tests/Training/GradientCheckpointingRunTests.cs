using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>train.gradient_checkpointing through the trainer: the same losses as without, and the plan says it is on.</summary>
public class GradientCheckpointingRunTests
{
    [Fact]
    public void Run_WithGradientCheckpointing_GivesTheSameLossesAsWithout()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        double[] Losses(string name, bool checkpointing)
        {
            var run = temp.File(name);
            using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "train.max_steps=6", "train.attention_reset=true",
                       $"train.gradient_checkpointing={(checkpointing ? "true" : "false")}"), run))
                Assert.True(trainer.Run().Completed);
            if (checkpointing) Assert.Contains("gradient_checkpointing on", File.ReadAllText(Path.Combine(run, "plan.txt")));
            return JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl")).Select(l => (double)l["loss"]!).ToArray();
        }
        var plain = Losses("plain", false);
        var checkpointed = Losses("checkpointed", true);
        Assert.Equal(6, plain.Length);
        // Steps after the first depend on the previous update, so equal losses mean equal gradients too.
        for (var i = 0; i < plain.Length; i++) Assert.True(Math.Abs(plain[i] - checkpointed[i]) < 1e-5, $"step {i + 1}: {plain[i]} vs {checkpointed[i]}");
    }
}
