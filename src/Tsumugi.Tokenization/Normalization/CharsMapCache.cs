using System.Diagnostics;
using Tsumugi.Common;

namespace Tsumugi.Tokenization.Normalization;

/// <summary>
/// Compiled charsmaps on disk, so that only a machine's first `tokenizer train` pays for scanning Unicode (a few
/// seconds; spm_train ships its tables precompiled). A file is keyed by rule name, .NET version and the ICU library
/// the process loaded — a new ICU (new Unicode data) builds afresh. Directory: $TSUMUGI_CACHE_DIR, else
/// $XDG_CACHE_HOME/tsumugi, else ~/.cache/tsumugi; a cache that cannot be read or written is skipped.
/// </summary>
static class CharsMapCache
{
    /// <summary>The blob cached at <paramref name="path"/> (<see cref="PathFor"/>), or a fresh one from <paramref name="build"/> saved there.</summary>
    public static byte[] GetOrBuild(string? path, Func<byte[]> build)
    {
        if (path != null && TryRead(path) is { } cached) return cached;
        var blob = build();
        if (path != null)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                AtomicFile.WriteAllBytes(path, blob);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a read-only home: build each time */ }
        }
        return blob;
    }

    static byte[]? TryRead(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var blob = File.ReadAllBytes(path);
            _ = new Encoding.PrecompiledCharsMap(blob); // a truncated or foreign file is rebuilt, not used
            return blob;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return null; }
    }

    internal static string? PathFor(string name)
    {
        string? dir = Environment.GetEnvironmentVariable("TSUMUGI_CACHE_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            dir = !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "tsumugi") : home.Length > 0 ? Path.Combine(home, ".cache", "tsumugi") : null;
        }
        if (dir == null) return null;
        // v1: the format of this file; bump when NormalizationRules or CharsMapCompiler change what they write.
        return Path.Combine(dir, "charsmap", $"{name}-v1-net{Environment.Version}-{IcuLibrary()}.bin");
    }

    /// <summary>The ICU library file this process uses (e.g. libicuuc.so.72.1): its version fixes the Unicode data.</summary>
    static string IcuLibrary()
    {
        _ = "a".Normalize(System.Text.NormalizationForm.FormKC); // make sure ICU is loaded
        using var p = Process.GetCurrentProcess();
        foreach (ProcessModule m in p.Modules)
        {
            var file = Path.GetFileName(m.FileName);
            if (file.StartsWith("libicuuc", StringComparison.Ordinal)) return file.Replace("libicuuc", "icu", StringComparison.Ordinal);
        }
        return "icu-unknown";
    }
}
