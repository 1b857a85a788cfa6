using System.Xml.Linq;

namespace Tsumugi.Architecture.Tests;

/// <summary>The projects of the repository as their csproj files declare them: project, package and framework references.</summary>
public sealed record ProjectGraph(IReadOnlyDictionary<string, ProjectNode> Projects)
{
    public static ProjectGraph Load(string root)
    {
        var nodes = new Dictionary<string, ProjectNode>(StringComparer.Ordinal);
        foreach (var folder in new[] { "src", "tests", "bench" })
        foreach (var csproj in Directory.EnumerateFiles(Path.Combine(root, folder), "*.csproj", SearchOption.AllDirectories))
        {
            if (csproj.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || csproj.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")) continue;
            var xml = XDocument.Load(csproj);
            IEnumerable<string> Includes(string item) => xml.Descendants(item).Select(e => (string?)e.Attribute("Include")).OfType<string>();
            var name = Path.GetFileNameWithoutExtension(csproj);
            nodes[name] = new ProjectNode(
                name,
                folder,
                Includes("ProjectReference").Select(p => Path.GetFileNameWithoutExtension(p.Replace('\\', '/'))).ToHashSet(StringComparer.Ordinal),
                Includes("PackageReference").Concat(Includes("FrameworkReference")).ToHashSet(StringComparer.Ordinal));
        }
        return new ProjectGraph(nodes);
    }

    /// <summary>Every project reachable from <paramref name="name"/> through project references (itself excluded).</summary>
    public IReadOnlySet<string> Closure(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(Projects[name].References);
        while (stack.TryPop(out var next))
            if (seen.Add(next) && Projects.TryGetValue(next, out var node))
                foreach (var r in node.References) stack.Push(r);
        return seen;
    }

    /// <summary>The packages and frameworks a project gets directly or through the projects it references.</summary>
    public IReadOnlySet<string> PackagesWithin(string name) =>
        Closure(name).Append(name).Where(Projects.ContainsKey).SelectMany(p => Projects[p].Packages).ToHashSet(StringComparer.Ordinal);
}

public sealed record ProjectNode(string Name, string Folder, IReadOnlySet<string> References, IReadOnlySet<string> Packages);
