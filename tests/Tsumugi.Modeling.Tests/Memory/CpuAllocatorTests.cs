using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Memory;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResidentMemoryCollection
{
    /// <summary>Tests that read the process's resident set run alone: other tests' allocations would move it.</summary>
    public const string Name = "resident memory";
}

[Collection(ResidentMemoryCollection.Name)]
public sealed class CpuAllocatorTests
{
    const long Mb = 1 << 20;

    [Fact]
    public void Trim_AfterTunedHeapFreesTensors_ReturnsTheirPagesToTheKernel()
    {
        if (!OperatingSystem.IsLinux()) return; // glibc's malloc only
        CpuAllocator.Tune();
        var tensors = Enumerable.Range(0, 24).Select(_ => ones(4 * Mb)).ToList(); // 16 MB each: below the tuned mmap threshold
        long held = Environment.WorkingSet;
        tensors.ForEach(t => t.Dispose());
        long freed = Environment.WorkingSet;
        Assert.True(held - freed < 128 * Mb, $"with trimming off the freed heap should stay resident, but RSS fell by {(held - freed) / Mb} MB");
        CpuAllocator.Trim();
        long trimmed = Environment.WorkingSet;
        Assert.True(freed - trimmed > 256 * Mb, $"malloc_trim should release the ~384 MB just freed, but RSS fell by {(freed - trimmed) / Mb} MB");
    }
}
