using System.Text.RegularExpressions;

namespace Tsumugi.Corpus.Tests;

/// <summary>
/// The namespaces of src/Tsumugi.Corpus depend on each other without a cycle: steps (Steps) and shard files (Shards)
/// sit below the pipeline that wires them together, so no step reaches back into the pipeline. The graph is read
/// from the sources' <c>using Tsumugi.Corpus.*</c> directives. Every namespace also sees the root Tsumugi.Corpus
/// without a using, so it counts as a dependency of all of them (the root may use none).
/// </summary>
public partial class NamespaceGraphTests
{
    const string Root = "Tsumugi.Corpus";

    [GeneratedRegex(@"^namespace (Tsumugi\.Corpus(?:\.\w+)*);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    /// <summary>Plain, static and alias usings; the target's namespace is its longest known prefix.</summary>
    [GeneratedRegex(@"^using (?:static )?(?:\w+ = )?(Tsumugi\.Corpus(?:\.\w+)*);", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [Fact]
    public void CorpusNamespaces_DependOnEachOtherWithoutACycle()
    {
        var graph = Graph();
        Assert.Contains("Tsumugi.Corpus.Steps", graph.Keys);
        Assert.Contains("Tsumugi.Corpus.Shards", graph.Keys);
        Assert.True(graph.Count >= 10, $"only {graph.Count} namespaces found under src/Tsumugi.Corpus");
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"namespace cycle: {string.Join(" → ", cycle ?? [])}");
    }

    [Fact]
    public void Steps_DoNotReachIntoThePipeline()
    {
        var graph = Graph();
        foreach (var steps in new[] { "Filters", "Normalization", "Routing", "Dedup", "Steps", "Shards" })
            Assert.DoesNotContain($"{Root}.Pipeline", graph[$"{Root}.{steps}"]);
    }

    [Fact]
    public void FindCycle_FindsOne()
    {
        var graph = new Dictionary<string, SortedSet<string>>
        {
            ["a"] = ["b"], ["b"] = ["c"], ["c"] = ["a"], ["d"] = ["a"],
        };
        Assert.Equal(["a", "b", "c", "a"], FindCycle(graph));
        graph["c"] = [];
        Assert.Null(FindCycle(graph));
    }

    /// <summary>Namespace → the Tsumugi.Corpus namespaces it uses.</summary>
    static Dictionary<string, SortedSet<string>> Graph()
    {
        var source = Path.Combine(RepoPaths.Root, "src", "Tsumugi.Corpus");
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(source, f).Split(Path.DirectorySeparatorChar).Any(d => d is "obj" or "bin"))
            .Select(f => File.ReadAllText(f))
            .Select(text => (Namespace: NamespaceDeclaration().Match(text).Groups[1].Value, Text: text))
            .Where(f => f.Namespace.Length > 0)
            .ToList();
        var graph = files.Select(f => f.Namespace).Distinct().ToDictionary(n => n, _ => new SortedSet<string>(StringComparer.Ordinal));
        foreach (var (ns, text) in files)
        {
            if (ns != Root) graph[ns].Add(Root);
            foreach (Match m in UsingDirective().Matches(text))
            {
                var target = m.Groups[1].Value;
                var used = graph.Keys.Where(k => target == k || target.StartsWith(k + ".", StringComparison.Ordinal)).MaxBy(k => k.Length);
                if (used is not null && used != ns) graph[ns].Add(used);
            }
        }
        return graph;
    }

    /// <summary>A cycle as its path (first node repeated at the end), or null (depth-first, grey/black marking).</summary>
    static List<string>? FindCycle(Dictionary<string, SortedSet<string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            int at = path.IndexOf(node);
            if (at >= 0) return [.. path[at..], node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (Visit(node) is { } cycle) return cycle;
        return null;
    }
}
