// MSBuild task: lets TorchSharp 0.107's native shim load on systems whose libstdc++ predates GCC 13.
//
// libLibTorchSharp.so was built with GCC 13+ and lists GLIBCXX_3.4.32 in its ELF version needs
// (.gnu.version_r) for one symbol it references but never calls (std::ios_base_library_init).
// Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the dynamic loader refuses the library and
// TorchSharp reports a misleading "doesn't contain a reference to libtorch-cpu-linux-x64".
// Setting VER_FLG_WEAK on that one requirement makes glibc tolerate its absence
// (see ../shared/reference/training.md §0.1). The edit is two bytes, made on a new copy renamed over the build
// output's file, and only when the system libstdc++ lacks the version.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public string Library { get; set; } = "";
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        if (!File.Exists(Library)) return true;
        if (SystemLibstdcxxHas(Version))
        {
            Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {Version}; {Library} left as is.");
            return true;
        }
        try
        {
            var bytes = File.ReadAllBytes(Library);
            switch (Weaken(bytes, Version))
            {
                case Outcome.Patched:
                    // A new file renamed over the old one: the build output may be a hard link into the NuGet cache,
                    // which must stay as published.
                    var patched = Library + ".patched";
                    File.WriteAllBytes(patched, bytes);
                    File.Replace(patched, Library, null);
                    Log.LogMessage(MessageImportance.High, $"Tsumugi: marked {Version} weak in {Library} (Debian 12 libstdc++ fix).");
                    break;
                case Outcome.AlreadyWeak:
                case Outcome.NotRequired:
                    break;
            }
            return true;
        }
        catch (Exception e)
        {
            Log.LogError($"Tsumugi: could not patch {Library}: {e.Message}. TorchSharp will not load on this system; see docs/ARCHITECTURE.md.");
            return false;
        }
    }

    enum Outcome { Patched, AlreadyWeak, NotRequired }

    static bool SystemLibstdcxxHas(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var path in candidates)
            if (File.Exists(path) && Contains(File.ReadAllBytes(path), needle)) return true;
        return false;
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length;
             i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    static Outcome Weaken(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only little-endian ELF64 is supported");
        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28), count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long verneed = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)verneed + 2);
                long aux = verneed + BitConverter.ToUInt32(elf, (int)verneed + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) return Outcome.AlreadyWeak;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)aux + 4);
                        return Outcome.Patched;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                verneed += BitConverter.ToUInt32(elf, (int)verneed + 12);
            }
        }
        return Outcome.NotRequired;
    }

    static string ReadCString(byte[] data, long start)
    {
        int end = Array.IndexOf(data, (byte)0, (int)start);
        return Encoding.ASCII.GetString(data, (int)start, end - (int)start);
    }
}
