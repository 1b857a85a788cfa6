using System.Runtime.CompilerServices;

namespace Tsumugi.Testing;

/// <summary>The repository root (the folder holding Tsumugi.sln) and the shared corpus beside the checkout.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Src => Path.Combine(Root, "src");

    /// <summary><c>configs/</c>: the shipped YAML and evaluation files.</summary>
    public static string Configs => Path.Combine(Root, "configs");

    public static string Tests => Path.Combine(Root, "tests");

    /// <summary><c>../shared/corpus</c>: real documents the tests read, never copied into the repository.</summary>
    public static string SharedCorpus => Path.GetFullPath(Path.Combine(Root, "..", "shared", "corpus"));

    // Builds may put binaries outside the tree (--artifacts-path), so fall back to this source file's location.
    private static string FindRoot([CallerFilePath] string source = "") =>
        Up(AppContext.BaseDirectory) ?? Up(Path.GetDirectoryName(source) ?? "")
        ?? throw new InvalidOperationException($"Tsumugi.sln not found above {AppContext.BaseDirectory} or {source}");

    private static string? Up(string start)
    {
        var dir = start.Length == 0 ? null : new DirectoryInfo(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tsumugi.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }
}
