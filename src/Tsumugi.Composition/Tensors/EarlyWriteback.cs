using System.Runtime.InteropServices;

namespace Tsumugi.Composition.Tensors;

/// <summary>
/// Hints the kernel about the merge's memory and files (Linux; elsewhere, and on any error, nothing happens — these are
/// hints, never needed for correctness). <see cref="Start"/>: begin writing a file's dirty pages to disk now
/// (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>), so the disk works while the next tensors are computed and the
/// publishing fsync finds little left to do. <see cref="HugePages"/>: back a large buffer with 2 MB pages
/// (<c>madvise(MADV_HUGEPAGE)</c>), so filling it costs a fault per 2 MB instead of per 4 kB.
/// </summary>
public static class EarlyWriteback
{
    const uint SyncFileRangeWrite = 2;
    const int MadvHugePage = 14;
    const long HugePage = 2 << 20;

    /// <summary>Starts write-back of everything <paramref name="stream"/> has written so far (a <see cref="FileStream"/>).</summary>
    public static void Start(Stream stream)
    {
        if (!OperatingSystem.IsLinux() || stream is not FileStream file) return;
        file.Flush(flushToDisk: false);
        bool added = false;
        try
        {
            file.SafeFileHandle.DangerousAddRef(ref added);
            _ = SyncFileRange((int)file.SafeFileHandle.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
        finally { if (added) file.SafeFileHandle.DangerousRelease(); }
    }

    /// <summary>A float array of <paramref name="length"/> elements, pinned (so its address stays put) and, when large,
    /// advised to use huge pages. Its contents are undefined.</summary>
    public static float[] Allocate(int length)
    {
        var array = GC.AllocateUninitializedArray<float>(length, pinned: true);
        if (OperatingSystem.IsLinux() && (long)length * sizeof(float) >= 2 * HugePage)
        {
            long start = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0).ToInt64();
            long end = start + (long)length * sizeof(float);
            long alignedStart = (start + HugePage - 1) & ~(HugePage - 1);
            long alignedEnd = end & ~(HugePage - 1);
            if (alignedEnd > alignedStart) _ = Madvise((nint)alignedStart, (nuint)(alignedEnd - alignedStart), MadvHugePage);
        }
        return array;
    }

    [DllImport("libc", EntryPoint = "sync_file_range")]
    static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);

    [DllImport("libc", EntryPoint = "madvise")]
    static extern int Madvise(nint address, nuint length, int advice);
}
