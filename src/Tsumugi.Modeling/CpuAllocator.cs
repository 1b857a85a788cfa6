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

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

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

    /// <summary>
    /// glibc's <c>malloc_trim(0)</c>: hands every free page of every malloc arena back to the kernel (the trimming that
    /// <see cref="Tune"/> switches off for the steady state). The next allocations that land on those pages fault them in
    /// again, so call it at a few chosen points, not every step. Returns false where nothing was released or glibc is absent.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallocTrim(0) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl or another libc
        }
    }
}
