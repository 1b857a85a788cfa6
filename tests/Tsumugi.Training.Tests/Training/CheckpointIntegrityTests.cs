using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// Checkpoints carry a manifest of file hashes, checked on --resume: flipped bytes in the newest checkpoint's weights
/// are found before they are trained on, and the run resumes from the previous checkpoint onto the same curve.
/// </summary>
public class CheckpointIntegrityTests
{
    static string Weights(string run, int step) => Path.Combine(run, "checkpoints", $"step-{step}", "model", "model.safetensors");

    /// <summary>Overwrites 400 bytes in the middle of the file (past the safetensors header, inside the tensors).</summary>
    static void FlipBytes(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        var middle = stream.Length / 2;
        var bytes = new byte[400];
        stream.Position = middle;
        stream.ReadExactly(bytes);
        for (var i = 0; i < bytes.Length; i++) bytes[i] ^= 0x5A;
        stream.Position = middle;
        stream.Write(bytes);
    }

    [Fact]
    public void Resume_CorruptNewestCheckpoint_IsReportedAndThePreviousOneContinuesTheSameCurve()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var config = TinyRuns.Config(data, "log.tensorboard=false");
        var reference = temp.File("reference");
        using (var trainer = TinyRuns.Open(config, reference)) trainer.Run();

        var run = temp.File("run");
        ResumeTests.RunUntil(config, run, 12); // checkpoints step-8 and step-12
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-12", CheckpointManifest.FileName)));
        FlipBytes(Weights(run, 12));
        var log = new StringWriter();
        using (var trainer = Trainer.Open(config, run, resume: true, log))
        {
            Assert.Equal(8, trainer.Step);
            Assert.True(trainer.Run().Completed);
        }
        Assert.Contains("checkpoint step-12 is corrupt", log.ToString());
        Assert.Contains("model.safetensors does not match its checksum", log.ToString());
        Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", "step-12.corrupt")));
        ResumeTests.AssertSameCurve(reference, run);
        ResumeTests.AssertSameWeights(Path.Combine(reference, "model"), Path.Combine(run, "model"));
    }

    [Fact]
    public void Resume_OnlyCheckpointCorrupt_IsRefusedWithAClearError()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var config = TinyRuns.Config(data, "log.tensorboard=false");
        var run = temp.File("run");
        ResumeTests.RunUntil(config, run, 5);
        FlipBytes(Weights(run, 5));
        var error = Assert.Throws<InvalidDataException>(() => TinyRuns.Open(config, run, resume: true));
        Assert.Contains("no intact checkpoint to resume from", error.Message);
        Assert.Contains("step-5: ", error.Message);
    }

    [Fact]
    public void Resume_CheckpointWithoutAManifest_LoadsWithAWarning()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var config = TinyRuns.Config(data, "log.tensorboard=false");
        var run = temp.File("run");
        ResumeTests.RunUntil(config, run, 5);
        File.Delete(Path.Combine(run, "checkpoints", "step-5", CheckpointManifest.FileName)); // as written before manifests
        var log = new StringWriter();
        using (var trainer = Trainer.Open(config, run, resume: true, log)) Assert.Equal(5, trainer.Step);
        Assert.Contains($"has no {CheckpointManifest.FileName}", log.ToString());
    }

    [Fact]
    public void Verify_ManifestOfASavedCheckpoint_CatchesAChangedMissingOrExtraFile()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.File("ckpt"), keepLast: 2, keepEvery: 0);
        var path = store.Save(3, dir =>
        {
            Directory.CreateDirectory(Path.Combine(dir, "model"));
            File.WriteAllText(Path.Combine(dir, "model", "weights.bin"), "0123456789");
            File.WriteAllText(Path.Combine(dir, CheckpointStore.StateFile), "{}");
        });
        Assert.Equal(CheckpointManifest.Status.Verified, CheckpointManifest.Verify(path, out _));
        File.WriteAllText(Path.Combine(path, "model", "weights.bin"), "0123456788");
        Assert.Equal(CheckpointManifest.Status.Corrupt, CheckpointManifest.Verify(path, out var changed));
        Assert.Contains("weights.bin does not match its checksum", changed);
        File.Delete(Path.Combine(path, "model", "weights.bin"));
        Assert.Equal(CheckpointManifest.Status.Corrupt, CheckpointManifest.Verify(path, out var missing));
        Assert.Contains("weights.bin is missing", missing);
    }
}
