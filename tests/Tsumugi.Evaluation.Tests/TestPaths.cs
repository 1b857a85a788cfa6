namespace Tsumugi.Evaluation.Tests;

/// <summary>The repository root (the folder holding Tsumugi.sln), for the shipped example task files.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    // Builds may put binaries outside the tree (--artifacts-path), so fall back to this source file's location.
    static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "" })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Tsumugi.sln"))) return d.FullName;
        throw new InvalidOperationException("Tsumugi.sln not found above " + AppContext.BaseDirectory + " or " + source);
    }
}
