using System.Runtime.InteropServices;

namespace Tsumugi.Common;

/// <summary>
/// fsync for files and directories. A rename is only durable once the directory holding it is synced, and the file
/// renamed must be synced before: otherwise a power loss can leave a complete-looking file that is empty.
/// </summary>
public static partial class FileSync
{
    /// <summary>Syncs every file under <paramref name="directory"/>, then each directory bottom-up.</summary>
    public static void SyncTree(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)) SyncFile(file);
        foreach (var dir in Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length)) SyncDirectory(dir);
        SyncDirectory(directory);
    }

    public static void SyncFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        SyncHandle(handle, path);
    }

    /// <summary>Syncs an open file (a stream about to be closed and renamed).</summary>
    public static void SyncHandle(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string pathForErrors)
    {
        if (OperatingSystem.IsWindows()) return;
        if (Fsync((int)handle.DangerousGetHandle()) != 0) throw new IOException($"{pathForErrors}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
    }

    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return; // directory fsync is a POSIX-on-Linux notion; elsewhere renames are journaled
        const int readOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY
        var fd = Open(path, readOnlyDirectory);
        if (fd < 0) throw new IOException($"{path}: cannot open directory to sync (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"{path}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
