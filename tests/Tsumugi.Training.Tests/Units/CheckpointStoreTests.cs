using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Units;

public class CheckpointStoreTests
{
    static void Write(string dir) => File.WriteAllText(Path.Combine(dir, CheckpointStore.StateFile), "{}");

    [Fact]
    public void KeepsTheNewestKPlusEveryMultipleOfM()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.File("ckpt"), keepLast: 2, keepEvery: 30);
        foreach (var step in new[] { 10, 20, 30, 40, 50, 60, 70 }) store.Save(step, Write);
        Assert.Equal(new long[] { 30, 60, 70 }, store.List().Select(c => c.Step));
        Assert.Equal(70, store.Latest()!.Value.Step);
    }

    [Fact]
    public void FailingWriterPublishesNothingAndNamesTheCheckpointStillNewest()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.File("ckpt"), keepLast: 2, keepEvery: 0);
        store.Save(5, Write);
        var error = Assert.Throws<CheckpointWriteException>(() => store.Save(10, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "model.safetensors"), "partial");
            throw new IOException("No space left on device");
        }));
        Assert.Contains("step-5 is still the newest checkpoint", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Equal(new long[] { 5 }, store.List().Select(c => c.Step));
        Assert.Empty(Directory.GetDirectories(temp.File("ckpt"), ".step-*"));
    }

    [Fact]
    public void DirectoryWithoutTheStateFileIsNotACheckpointAndPartialsAreCleaned()
    {
        using var temp = new TempDirectory();
        var root = temp.File("ckpt");
        var store = new CheckpointStore(root, keepLast: 3, keepEvery: 0);
        store.Save(1, Write);
        Directory.CreateDirectory(Path.Combine(root, "step-9"));           // no trainer_state.json: incomplete
        Directory.CreateDirectory(Path.Combine(root, ".step-12.partial")); // left by a killed writer
        Assert.Equal(1, store.Latest()!.Value.Step);
        store.CleanPartials();
        Assert.False(Directory.Exists(Path.Combine(root, ".step-12.partial")));
        // Saving the same step twice replaces it atomically.
        store.Save(1, dir => { Write(dir); File.WriteAllText(Path.Combine(dir, "marker"), "second"); });
        Assert.Equal("second", File.ReadAllText(Path.Combine(root, "step-1", "marker")));
    }
}
