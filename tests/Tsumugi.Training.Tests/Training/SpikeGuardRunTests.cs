using Tsumugi.Training.Config;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// A curriculum whose middle stage is pure noise makes a real loss spike after the model has learned the clean data:
/// the guard must skip those updates, or roll back and skip the data window.
/// </summary>
public class SpikeGuardRunTests
{
    /// <param name="guard">Extra guard keys; the stage switches here inject the spikes, so the default grace window is off.</param>
    static TrainConfig Config(TempDirectory temp, string action, int noiseSteps, string guard = "stage_grace_steps: 0", int cleanSteps = 16, int checkpointInterval = 8)
    {
        var clean = SyntheticDatasets.Counting(temp.File("data"), "clean", documents: 400);
        var noise = SyntheticDatasets.Noise(temp.File("data"), "noise");
        var yaml = $"""
            seed: 7
            model: {"{"}preset: tiny, vocab_size: 256{"}"}
            train: {"{"}seq_length: 64, micro_batch_size: 4, global_batch_tokens: 512, threads: 2{"}"}
            optimizer: {"{"}lr: 0.003, min_lr: 0.003{"}"}
            schedule: {"{"}type: constant, warmup_steps: 2{"}"}
            checkpoint: {"{"}interval: {checkpointInterval}, keep_last: 3{"}"}
            eval: {"{"}interval: 0{"}"}
            guard: {"{"}action: {action}, window: 10, min_history: 5, loss_sigma: 3, grad_sigma: 1000, skip_steps: 4, {guard}{"}"}
            log: {"{"}peak_flops: 1e11, tensorboard: false{"}"}
            data:
              shuffle: false
              datasets: {"{"}clean: {clean}, noise: {noise}{"}"}
              stages:
                - {"{"}name: clean, tokens: {cleanSteps * 512}, mixture: {"{"}clean: 1{"}"}{"}"}
                - {"{"}name: noise, tokens: {noiseSteps * 512}, mixture: {"{"}noise: 1{"}"}{"}"}
                - {"{"}name: clean-again, tokens: {8 * 512}, mixture: {"{"}clean: 1{"}"}{"}"}
            """;
        return TrainConfig.Parse(yaml, "spike.yaml", temp.Path);
    }

    [Fact]
    public void SkipDropsTheUpdatesOfSpikingStepsAndLogsEach()
    {
        using var temp = new TempDirectory();
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(Config(temp, "skip", noiseSteps: 3), run)) Assert.True(trainer.Run().Completed);
        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        var skipped = lines.Where(l => l["skipped"] is not null).Select(l => (long)l["step"]!).ToArray();
        Assert.Equal(new long[] { 17, 18, 19 }, skipped);
        var spikes = JsonLinesLog.Read(Path.Combine(run, "events.jsonl")).Where(e => (string?)e["event"] == "spike").ToList();
        Assert.Equal(3, spikes.Count);
        Assert.All(spikes, e => Assert.Contains("above the running mean", (string)e["message"]!));
        // The clean curriculum continues where it left off, from weights the noise never touched.
        Assert.True((double)lines[19]["loss"]! < (double)lines[15]["loss"]!, $"loss after the noise stage: {lines[19]["loss"]} vs {lines[15]["loss"]} before");
    }

    [Fact]
    public void RollbackReloadsTheLastCheckpointAndSkipsPastTheOffendingData()
    {
        using var temp = new TempDirectory();
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(Config(temp, "rollback", noiseSteps: 2), run)) Assert.True(trainer.Run().Completed);
        var events = JsonLinesLog.Read(Path.Combine(run, "events.jsonl"));
        var rollback = Assert.Single(events, e => (string?)e["event"] == "rollback");
        Assert.Equal(16, (long)rollback["step"]!);
        Assert.Equal(17, (long)rollback["spike_step"]!);
        Assert.Equal(4 * 8, (long)rollback["skipped_rows"]!); // skip_steps × rows per step covers the 2 noisy steps
        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(26, lines.Count); // the spiking step was rolled back, so it has no line
        var before = (double)lines[15]["loss"]!;
        Assert.All(lines.Skip(16), l => Assert.True((double)l["loss"]! < before + 0.1, $"step {l["step"]}: loss {l["loss"]} (before the noise: {before})"));
    }

    [Fact]
    public void Skip_MoreSpikesInARowThanMaxSkips_EscalatesToARollback()
    {
        using var temp = new TempDirectory();
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(Config(temp, "skip", noiseSteps: 6, guard: "stage_grace_steps: 0, max_skips: 3"), run)) Assert.True(trainer.Run().Completed);
        var events = JsonLinesLog.Read(Path.Combine(run, "events.jsonl"));
        var rollback = Assert.Single(events, e => (string?)e["event"] == "rollback");
        Assert.Equal(20, (long)rollback["spike_step"]!); // the 4th spike in a row
        Assert.Contains("above guard.max_skips 3", (string)rollback["message"]!);
    }

    [Fact]
    public void Skip_MoreSpikesInARowThanMaxSkipsWithoutACheckpoint_StopsWithADivergedError()
    {
        using var temp = new TempDirectory();
        var run = temp.File("run");
        using var trainer = TinyRuns.Open(Config(temp, "skip", noiseSteps: 6, guard: "stage_grace_steps: 0, max_skips: 3", checkpointInterval: 0), run);
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Run());
        Assert.Contains("step 20:", error.Message);
        Assert.Contains("no checkpoint to roll back to", error.Message);
        Assert.False(Directory.Exists(Path.Combine(run, "model")));
    }

    [Fact]
    public void Skip_UpdateThatDestroysTheWeights_StopsTheRunInsteadOfSkippingToTheEnd()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var run = temp.File("run");
        // An absurd learning rate: the first update leaves the weights non-finite, every later loss is NaN.
        using var trainer = TinyRuns.Open(TinyRuns.Config(data, "optimizer.lr=1e30", "optimizer.min_lr=1e30", "schedule.warmup_steps=0", "log.tensorboard=false"), run);
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Run());
        // Either the weights themselves overflowed, or they are finite but every loss is NaN: max_skips (10) ends it,
        // and no checkpoint of the broken weights was taken to roll back to.
        Assert.True(error.Message.Contains("weights are no longer finite") || error.Message.Contains("above guard.max_skips 10"), error.Message);
        Assert.Contains("no checkpoint to roll back to", error.Message);
        Assert.True(trainer.Step <= 12, $"stopped at step {trainer.Step}");
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints", "step-8")));
        Assert.False(Directory.Exists(Path.Combine(run, "model")));
    }

    [Fact]
    public void Rollback_StageSwitchToAHarderDomain_GetsAGraceWindowInsteadOfARollback()
    {
        using var temp = new TempDirectory();
        var run = temp.File("run");
        // The default grace window (= min_history 5): the noise stage is a new domain, its higher loss is by design.
        using (var trainer = TinyRuns.Open(Config(temp, "rollback", noiseSteps: 8, guard: "max_skips: 10"), run)) Assert.True(trainer.Run().Completed);
        var events = JsonLinesLog.Read(Path.Combine(run, "events.jsonl"));
        Assert.DoesNotContain(events, e => (string?)e["event"] is "rollback" or "spike");
        Assert.Equal(2, events.Count(e => (string?)e["event"] == "guard_reset"));
        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(8, lines.Count(l => (string?)l["stage"] == "noise")); // the new stage's data was trained on, not dropped
    }

    [Fact]
    public void Rollback_SpikeStepsPastTheCheckpoint_LogsEveryStepOnce()
    {
        using var temp = new TempDirectory();
        var run = temp.File("run");
        // Checkpoint at 16, spike at 21: the lines of steps 17–20 are trained again after the rollback.
        using (var trainer = TinyRuns.Open(Config(temp, "rollback", noiseSteps: 1, cleanSteps: 20), run)) Assert.True(trainer.Run().Completed);
        var rollback = Assert.Single(JsonLinesLog.Read(Path.Combine(run, "events.jsonl")), e => (string?)e["event"] == "rollback");
        Assert.Equal(21, (long)rollback["spike_step"]!);
        var steps = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl")).Select(l => (long)l["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(i => (long)i), steps);
    }
}
