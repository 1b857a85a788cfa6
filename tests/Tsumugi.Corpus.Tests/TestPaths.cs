namespace Tsumugi.Corpus.Tests;

/// <summary>Locates the repository root (the folder holding Tsumugi.sln) and the shared corpus next to it.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string SharedCorpus => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus"));

    // Builds may put binaries outside the tree (--artifacts-path), so fall back to this source file's location.
    static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Up(AppContext.BaseDirectory) ?? Up(Path.GetDirectoryName(source) ?? "")
        ?? throw new InvalidOperationException("Tsumugi.sln not found above " + AppContext.BaseDirectory + " or " + source);

    static string? Up(string start)
    {
        var dir = start.Length == 0 ? null : new DirectoryInfo(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tsumugi.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tsumugi-corpus-" + Guid.NewGuid().ToString("N"));
        public TempDir() => Directory.CreateDirectory(Path);
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }
}
