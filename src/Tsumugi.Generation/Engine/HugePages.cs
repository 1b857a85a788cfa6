using System.Runtime.InteropServices;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// Asks Linux for transparent huge pages (2 MB) under a large buffer before its first write (madvise MADV_HUGEPAGE; THP
/// is often "madvise" only, as on Debian 12). Filling the engine's weights then takes one fault per 2 MB instead of one
/// per 4 KB (on this project's VMs a 4 KB fault costs ~12 µs: ~1.5 s for 500 MB of f32 weights), and streaming them
/// misses the TLB less. Advice only: where it is refused or unknown, nothing changes.
/// </summary>
static partial class HugePages
{
    const long Size = 2 << 20;
    const int MadvHugepage = 14;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = false)]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Advises the whole 2 MB pages inside [address, address + bytes); buffers under 4 MB are left alone.</summary>
    public static void Advise(long address, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < 2 * Size) return;
        long start = (address + Size - 1) & ~(Size - 1), end = (address + bytes) & ~(Size - 1);
        if (end <= start) return;
        try { Madvise((nint)start, (nuint)(end - start), MadvHugepage); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
