namespace Tsumugi.Architecture.Tests;

/// <summary>
/// The layering of src/ (docs/ARCHITECTURE.md, "Project graph"): which Tsumugi projects each may reference directly,
/// and what must never be reachable from it. A new project has to be added here, with its layer, before the suite passes.
/// </summary>
public static class Layering
{
    private const string TorchSharpCpu = "TorchSharp-cpu";
    private const string TorchSharpCuda = "TorchSharp-cuda-linux";
    private const string AspNet = "Microsoft.AspNetCore.App";

    /// <summary>Direct project references each src project may have ("*": any).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MayReference = new Dictionary<string, string[]>
    {
        ["Tsumugi.Common"] = [],
        ["Tsumugi.Corpus"] = ["Tsumugi.Common"],
        ["Tsumugi.Tokenization"] = ["Tsumugi.Common"],
        ["Tsumugi.Datasets"] = ["Tsumugi.Common", "Tsumugi.Corpus", "Tsumugi.Tokenization"],
        ["Tsumugi.Modeling"] = ["Tsumugi.Common"],
        ["Tsumugi.Generation"] = ["Tsumugi.Common", "Tsumugi.Modeling", "Tsumugi.Tokenization"],
        ["Tsumugi.Export"] = ["Tsumugi.Common", "Tsumugi.Modeling", "Tsumugi.Tokenization"],
        ["Tsumugi.Composition"] = ["Tsumugi.Common", "Tsumugi.Modeling", "Tsumugi.Tokenization"],
        ["Tsumugi.Training"] = ["Tsumugi.Common", "Tsumugi.Corpus", "Tsumugi.Tokenization", "Tsumugi.Datasets", "Tsumugi.Modeling", "Tsumugi.Generation", "Tsumugi.Evaluation"],
        ["Tsumugi.Evaluation"] = ["Tsumugi.Common", "Tsumugi.Corpus", "Tsumugi.Tokenization", "Tsumugi.Modeling", "Tsumugi.Generation"],
        ["Tsumugi.Serving"] = ["Tsumugi.Common", "Tsumugi.Tokenization", "Tsumugi.Modeling", "Tsumugi.Generation"],
        ["Tsumugi.Synthesis"] = ["Tsumugi.Common", "Tsumugi.Corpus", "Tsumugi.Evaluation"],
        ["Tsumugi.Dashboard"] = ["Tsumugi.Common"],
        ["Tsumugi.Cli"] = ["*"],
    };

    /// <summary>Packages/frameworks that must not be reachable from a project, with the reason given in the failure.</summary>
    public static readonly IReadOnlyDictionary<string, (string[] Forbidden, string Why)> MustNotReach = new Dictionary<string, (string[], string)>
    {
        ["Tsumugi.Common"] = ([TorchSharpCpu, TorchSharpCuda, AspNet], "the bottom layer stays light"),
        ["Tsumugi.Corpus"] = ([TorchSharpCpu, TorchSharpCuda, AspNet], "data stages stay light and fast to test"),
        ["Tsumugi.Tokenization"] = ([TorchSharpCpu, TorchSharpCuda, AspNet], "data stages stay light and fast to test"),
        ["Tsumugi.Datasets"] = ([TorchSharpCpu, TorchSharpCuda, AspNet], "data stages stay light and fast to test"),
        ["Tsumugi.Modeling"] = ([AspNet], "models do not serve"),
        ["Tsumugi.Generation"] = ([AspNet], "generation is used by evaluation and training, which do not serve"),
        ["Tsumugi.Export"] = ([AspNet], "export does not serve"),
        ["Tsumugi.Composition"] = ([AspNet], "merging works on files and does not serve"),
        ["Tsumugi.Training"] = ([AspNet], "training does not serve"),
        ["Tsumugi.Evaluation"] = ([AspNet], "evaluation loads models through Generation, not the server"),
        ["Tsumugi.Synthesis"] = ([AspNet], "synthesis is a client of OpenAI-compatible endpoints; it does not serve"),
        ["Tsumugi.Dashboard"] = ([TorchSharpCpu, TorchSharpCuda], "the dashboard reads files; it loads no model"),
    };

    /// <summary>Every rule the graph breaks, one line each (empty when the layering holds).</summary>
    public static List<string> Violations(ProjectGraph graph)
    {
        var problems = new List<string>();
        foreach (var project in graph.Projects.Values.Where(p => p.Folder == "src"))
        {
            if (!MayReference.TryGetValue(project.Name, out var allowed))
            {
                problems.Add($"{project.Name}: not in Layering.MayReference — give the new project its layer (and a line in docs/ARCHITECTURE.md)");
                continue;
            }
            if (!allowed.Contains("*"))
                foreach (var reference in project.References.Where(r => !allowed.Contains(r)))
                    problems.Add($"{project.Name} → {reference}: not allowed (may reference: {(allowed.Length == 0 ? "nothing" : string.Join(", ", allowed))})");
            if (MustNotReach.TryGetValue(project.Name, out var rule))
                foreach (var package in graph.PackagesWithin(project.Name).Where(rule.Forbidden.Contains))
                    problems.Add($"{project.Name} reaches {package}: {rule.Why}");
        }
        foreach (var project in graph.Projects.Values)
        {
            // Only tests may reference the CLI (its end-to-end tests); a library depending on it inverts the graph.
            if (project.Folder != "tests" && project.References.Contains("Tsumugi.Cli"))
                problems.Add($"{project.Name} → Tsumugi.Cli: nothing but tests may reference the CLI");
            // Libraries never reference tests; tests reference the shared kit, not each other.
            foreach (var reference in project.References.Where(r => r.EndsWith(".Tests", StringComparison.Ordinal)))
                problems.Add($"{project.Name} → {reference}: test projects are not libraries (shared helpers go to tests/Tsumugi.Testing)");
        }
        return problems;
    }
}
