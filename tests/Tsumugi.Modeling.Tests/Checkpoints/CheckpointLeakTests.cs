using TorchSharp;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Modeling.Tests.Checkpoints;

[Collection(CheckpointTestCollection.Name)]
public class CheckpointLeakTests
{
    /// <summary>Save, load and read leave no live tensor behind on this thread (every temporary is disposed).</summary>
    [Fact]
    public void SaveLoadAndReadDoNotLeakTensors()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        using var target = TinyModel.Random(2);
        void Cycle()
        {
            StateDictIO.Save(source, dir.Path, maxShardBytes: 700, dtype: torch.bfloat16);
            StateDictIO.Load(target, dir.Path);
            foreach (var t in StateDictIO.ReadAll(dir.Path, torch.float32).Values) t.Dispose();
        }
        Cycle(); // warm-up: lazily created wrappers are not leaks
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Cycle();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
