
namespace Tsumugi.Architecture.Tests;

public sealed class LayeringTests
{
    [Fact]
    public void Repository_KeepsItsLayering()
    {
        var graph = ProjectGraph.Load(RepoPaths.Root);
        Assert.Contains("Tsumugi.Common", graph.Projects.Keys);
        Assert.Empty(Layering.Violations(graph));
    }

    [Fact]
    public void Violations_NameEachForbiddenReference()
    {
        var graph = WithReference(ProjectGraph.Load(RepoPaths.Root), "Tsumugi.Corpus", "Tsumugi.Modeling");
        var problems = Layering.Violations(graph);
        Assert.Contains(problems, p => p.StartsWith("Tsumugi.Corpus → Tsumugi.Modeling: not allowed", StringComparison.Ordinal));
        Assert.Contains(problems, p => p == "Tsumugi.Corpus reaches TorchSharp-cpu: data stages stay light and fast to test");
    }

    [Fact]
    public void Violations_CatchServerReachedFromEvaluationAndLibrariesOnCli()
    {
        var graph = WithReference(WithReference(ProjectGraph.Load(RepoPaths.Root), "Tsumugi.Evaluation", "Tsumugi.Serving"), "Tsumugi.Training", "Tsumugi.Cli");
        var problems = Layering.Violations(graph);
        Assert.Contains(problems, p => p.StartsWith("Tsumugi.Evaluation → Tsumugi.Serving", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Tsumugi.Evaluation reaches Microsoft.AspNetCore.App", StringComparison.Ordinal));
        Assert.Contains(problems, p => p == "Tsumugi.Training → Tsumugi.Cli: nothing but tests may reference the CLI");
    }

    [Fact]
    public void Violations_AskANewProjectForItsLayer()
    {
        var graph = ProjectGraph.Load(RepoPaths.Root);
        var projects = new Dictionary<string, ProjectNode>(graph.Projects) { ["Tsumugi.Unplaced"] = new("Tsumugi.Unplaced", "src", new HashSet<string>(), new HashSet<string>()) };
        Assert.Contains(Layering.Violations(new ProjectGraph(projects)), p => p.StartsWith("Tsumugi.Unplaced: not in Layering.MayReference", StringComparison.Ordinal));
    }

    private static ProjectGraph WithReference(ProjectGraph graph, string from, string to)
    {
        var projects = new Dictionary<string, ProjectNode>(graph.Projects);
        projects[from] = projects[from] with { References = projects[from].References.Append(to).ToHashSet(StringComparer.Ordinal) };
        return new ProjectGraph(projects);
    }
}
