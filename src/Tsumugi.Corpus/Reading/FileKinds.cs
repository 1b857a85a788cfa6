using System.Runtime.InteropServices;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Tells regular files from named pipes, sockets and devices, which .NET lists and opens like files: opening a named
/// pipe for reading blocks until a writer appears, so an input folder holding one would hang a run forever.
/// </summary>
public static partial class FileKinds
{
    const int AtFdCwd = -100;
    const uint StatxType = 0x1;
    const int StatxModeOffset = 28; // struct statx: mask, blksize (u32), attributes (u64), nlink, uid, gid (u32), mode (u16)
    const int FileTypeMask = 0xF000, RegularFile = 0x8000;

    /// <summary>
    /// True for a regular file (after following symlinks) or where the type cannot be asked (not Linux; a failed
    /// <c>statx</c> leaves the error to the open that follows).
    /// </summary>
    public static bool IsRegularOrUnknown(string path)
    {
        if (!OperatingSystem.IsLinux()) return true;
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return true;
        }
        catch (EntryPointNotFoundException)
        {
            return true; // a C library without statx (glibc < 2.28)
        }
        return (BitConverter.ToUInt16(buffer, StatxModeOffset) & FileTypeMask) == RegularFile;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, [Out] byte[] buffer);
}
