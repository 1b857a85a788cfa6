using System.Text.Json.Nodes;
using Tsumugi.Modeling;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

public class TrainerRunTests
{
    [Fact]
    public void TinyRunLowersTheLossAndWritesACompleteRunDirectory()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"));
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "train.max_steps=40", "data.validation_fraction=0.05"), run))
        {
            var outcome = trainer.Run();
            Assert.True(outcome.Completed);
            Assert.Equal(40, outcome.Step);
            Assert.Empty(outcome.Problems);
        }
        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), lines.Select(l => (long)l["step"]!));
        foreach (var key in new[] { "loss", "lr", "tokens", "grad_norm", "tokens_per_s", "mfu", "mfu_hw" }) Assert.All(lines, l => Assert.NotNull(l[key]));
        Assert.Equal(40 * 512L, (long)lines[^1]["tokens"]!);
        double First(int n) => lines.Take(n).Average(l => (double)l["loss"]!);
        double Last(int n) => lines.TakeLast(n).Average(l => (double)l["loss"]!);
        Assert.True(Last(5) < First(5) - 1.0, $"loss did not fall: first {First(5):0.###}, last {Last(5):0.###}");
        Assert.True((double)lines[0]["loss"]! > 4.5, "an untrained model should be near ln(256) ≈ 5.5");
        // warm-up then cosine: rising over the first 4 steps, falling after, ending near min_lr.
        Assert.True((double)lines[0]["lr"]! < (double)lines[3]["lr"]!);
        Assert.Equal(0.003, (double)lines[3]["lr"]!, 9);
        Assert.Equal(0.0003, (double)lines[^1]["lr"]!, 6);
        var validation = lines.Where(l => l["val_loss"] is not null).ToList();
        Assert.Equal(new long[] { 12, 24, 36, 40 }, validation.Select(l => (long)l["step"]!));
        Assert.True((double)validation[^1]["val_loss"]!["ja"]! < (double)validation[0]["val_loss"]!["ja"]!);

        using var model = HfModelDirectory.Load(Path.Combine(run, "model"));
        Assert.Equal(SyntheticDatasets.Vocabulary, model.Config.VocabSize);
        Assert.True(File.Exists(Path.Combine(run, "loss.png")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*"));
        Assert.Contains("run plan", File.ReadAllText(Path.Combine(run, "plan.txt")));
        Assert.Contains("data:", File.ReadAllText(Path.Combine(run, "config.yaml")));
        // keep_last 2: steps 32 and 40 remain (8, 16, 24 pruned).
        var kept = Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "step-32", "step-40" }, kept);
    }

    [Fact]
    public void SecondRunIntoTheSameDirectoryIsRefusedWithoutResume()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "train.max_steps=8"), run)) trainer.Run();
        var error = Assert.Throws<Config.TrainConfigException>(() => TinyRuns.Open(TinyRuns.Config(data, "train.max_steps=8"), run));
        Assert.Contains("--resume", error.Message);
    }

    [Fact]
    public void Bf16RunsKeepFp32MasterWeightsInTheCheckpointAndSaveABf16Model()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "model.dtype=bfloat16", "train.max_steps=8", "schedule.warmup_steps=2"), run))
        {
            Assert.True(trainer.Run().Completed);
        }
        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.All(lines, l => Assert.True(double.IsFinite((double)l["loss"]!)));
        Assert.True((double)lines[^1]["loss"]! < (double)lines[0]["loss"]!);
        Assert.Contains("\"bfloat16\"", File.ReadAllText(Path.Combine(run, "model", "config.json")));
        using var optimizer = Modeling.Checkpoints.SafetensorsFile.Open(Path.Combine(run, "checkpoints", "step-8", "optimizer.safetensors"));
        var master = optimizer.Entries.Keys.Where(k => k.EndsWith(".master", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(master);
        Assert.All(master, k => Assert.Equal("F32", optimizer.Entries[k].DType));
    }

    [Fact]
    public void ContinuedPretrainingStartsFromAnHfDirectoryWithItsOwnLrAndWarmup()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 200);
        var first = temp.File("first");
        double lastLoss;
        using (var trainer = TinyRuns.Open(TinyRuns.Config(data, "train.max_steps=30"), first)) lastLoss = trainer.Run().FinalLoss!.Value;
        var second = temp.File("second");
        var config = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.from={Path.Combine(first, "model")}",
            "train.max_steps=6", "optimizer.lr=0.0005", "schedule.warmup_steps=3");
        using (var trainer = TinyRuns.Open(config, second)) Assert.True(trainer.Run().Completed);
        var lines = JsonLinesLog.Read(Path.Combine(second, "metrics.jsonl"));
        // It starts where the first run ended (a fresh model would start near ln 256 ≈ 5.5)…
        Assert.True((double)lines[0]["loss"]! < lastLoss + 0.5, $"first loss {lines[0]["loss"]} vs the base model's {lastLoss}");
        // …with the continued run's warm-up to its own peak.
        Assert.Equal(0.0005 / 3, (double)lines[0]["lr"]!, 9);
        Assert.Equal(0.0005, (double)lines[2]["lr"]!, 9);
    }
}
