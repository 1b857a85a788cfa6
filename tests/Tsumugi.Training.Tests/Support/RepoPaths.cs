namespace Tsumugi.Training.Tests.Support;

/// <summary>The repository root (walks up to Tsumugi.sln), for configs/ and the CLI.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string TinyConfig => Path.Combine(Root, "configs", "tiny.yaml");

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Tsumugi.sln"))) return dir.FullName;
        }
        // Built with --artifacts-path outside the tree: the test project's source path is stamped into the assembly.
        var source = typeof(RepoPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        return source ?? throw new DirectoryNotFoundException("Tsumugi.sln not found above the test binaries");
    }
}
