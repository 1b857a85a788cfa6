namespace Tsumugi.Cli.Tests;

/// <summary>The repository root (the folder holding Tsumugi.sln) and the sample corpus at ../shared/corpus beside it.</summary>
public static class SharedCorpus
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Directory => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus"));

    // Builds may put binaries outside the tree (--artifacts-path), so fall back to this source file's location.
    static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "" })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Tsumugi.sln"))) return d.FullName;
        throw new InvalidOperationException("Tsumugi.sln not found above " + AppContext.BaseDirectory + " or " + source);
    }
}
