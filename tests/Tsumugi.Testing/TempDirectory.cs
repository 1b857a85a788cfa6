namespace Tsumugi.Testing;

/// <summary>A fresh directory under the system temp folder, removed (best effort) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "tsumugi-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the directory (nothing is created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every entry name in the directory (symlinks included), sorted ordinally.</summary>
    public string[] Names() =>
        Directory.EnumerateFileSystemEntries(Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    public static implicit operator string(TempDirectory directory) => directory.Path;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a file still open on a slow runner: the OS temp cleaner takes it */ }
        catch (UnauthorizedAccessException) { }
    }
}
