using System.Runtime.InteropServices;

namespace Tsumugi.Modeling;

/// <summary>
/// Keeps glibc from returning large tensor buffers to the kernel after every free. libtorch's CPU allocator is plain
/// malloc; with glibc's defaults every activation above 128 KB is a fresh mmap, so each training step page-faults
/// (and zero-fills) its whole working set again. Raising the mmap and trim thresholds lets freed blocks be reused
/// from the heap. No effect on other C libraries or on CUDA memory.
/// </summary>
public static class CpuAllocator
{
    const int MallocTrimThreshold = -1, MallocMmapThreshold = -3; // glibc's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    const int MaxMmapThreshold = 32 << 20; // glibc's cap on 64-bit (HEAP_MAX_SIZE / 2)
    static bool Tuned;

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int param, int value);

    /// <summary>Call once before training or inference; safe to call again, harmless where glibc is absent.</summary>
    public static void Tune()
    {
        if (Tuned || !OperatingSystem.IsLinux()) return;
        Tuned = true;
        try
        {
            Mallopt(MallocMmapThreshold, MaxMmapThreshold);
            Mallopt(MallocTrimThreshold, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl or another libc: keep its defaults.
        }
    }
}
