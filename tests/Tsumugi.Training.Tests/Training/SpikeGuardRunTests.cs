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
    static TrainConfig Config(TempDirectory temp, string action, int noiseSteps)
    {
        var clean = SyntheticDatasets.Counting(temp.File("data"), "clean", documents: 400);
        var noise = SyntheticDatasets.Noise(temp.File("data"), "noise");
        var yaml = $"""
            seed: 7
            model: {"{"}preset: tiny, vocab_size: 256{"}"}
            train: {"{"}seq_length: 64, micro_batch_size: 4, global_batch_tokens: 512, threads: 2{"}"}
            optimizer: {"{"}lr: 0.003, min_lr: 0.003{"}"}
            schedule: {"{"}type: constant, warmup_steps: 2{"}"}
            checkpoint: {"{"}interval: 8, keep_last: 3{"}"}
            eval: {"{"}interval: 0{"}"}
            guard: {"{"}action: {action}, window: 10, min_history: 5, loss_sigma: 3, grad_sigma: 1000, skip_steps: 4{"}"}
            log: {"{"}peak_flops: 1e11, tensorboard: false{"}"}
            data:
              shuffle: false
              datasets: {"{"}clean: {clean}, noise: {noise}{"}"}
              stages:
                - {"{"}name: clean, tokens: {16 * 512}, mixture: {"{"}clean: 1{"}"}{"}"}
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
}
