using System.Text.RegularExpressions;
using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Orchestration;

/// <summary>One stage as written in the pipeline file: its name, its kind and the rest of its keys.</summary>
/// <param name="Settings">The stage's mapping; <c>kind</c> and <c>enabled</c> are already read from it.</param>
public sealed record StageSpec(string Name, string Kind, bool Enabled, YamlSection Settings, YamlNode Node, int Line);

/// <summary>
/// A pipeline file: <c>name</c>, optional <c>output</c>, and <c>stages</c>, a mapping of stage name → its keys, run in
/// file order. Relative paths inside are resolved against the file's folder; a value naming an earlier stage is that
/// stage's output (<see cref="StageContext"/>).
/// </summary>
public sealed partial class PipelineSpec
{
    public required string Name { get; init; }
    public required string File { get; init; }
    /// <summary>The <c>output</c> key, resolved against the working directory like every CLI output path (null when absent).</summary>
    public string? Output { get; init; }
    public required IReadOnlyList<StageSpec> Stages { get; init; }
    public string Directory => Path.GetDirectoryName(File)!;

    static readonly string[] TopKeys = ["name", "output", "stages"];

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex StageName();

    /// <summary>Reads a pipeline file; <paramref name="overrides"/> are <c>STAGE.KEY[.KEY…]=VALUE</c> (the CLI's --set).</summary>
    public static PipelineSpec Load(string file, IEnumerable<string>? overrides = null)
    {
        file = Path.GetFullPath(file);
        if (!System.IO.File.Exists(file)) throw new ConfigException($"{file}: pipeline file not found.");
        var stream = new YamlStream();
        try { using var reader = new StreamReader(file); stream.Load(reader); }
        catch (YamlDotNet.Core.YamlException e) { throw new ConfigException($"{Path.GetFileName(file)}:{e.Start.Line}: not valid YAML ({e.InnerException?.Message ?? e.Message})"); }
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        foreach (var assignment in overrides ?? []) ApplyOverride(root as YamlMappingNode ?? throw new ConfigException($"{file}: empty pipeline file."), assignment);
        var source = Path.GetFileName(file);
        var top = new YamlSection(root, source, "", TopKeys);
        var stagesNode = top.Node("stages") as YamlMappingNode
            ?? throw top.Error("stages", "missing or not a mapping of stage name → {kind: …, …} (see docs/pipeline.md)");
        var stages = new List<StageSpec>();
        foreach (var (key, value) in stagesNode.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!StageName().IsMatch(name)) throw top.Error(key, $"stage name '{name}': use lower-case letters, digits, '-' and '_' (it is also the stage's folder)");
            var settings = top.Nested(value, $"stages.{name}", null);
            var kind = settings.String("kind") ?? throw settings.Error("kind", "missing: what the stage runs (`tsumugi pipeline kinds` lists them)");
            stages.Add(new StageSpec(name, kind, settings.Bool("enabled", true), settings, value, (int)key.Start.Line));
        }
        if (stages.Count == 0) throw top.Error("stages", "no stages");
        return new PipelineSpec
        {
            Name = top.String("name") ?? Path.GetFileNameWithoutExtension(file),
            File = file,
            Output = top.String("output") is { } o ? Path.GetFullPath(o) : null,
            Stages = stages,
        };
    }

    /// <summary>Sets <c>stages.STAGE.KEY…</c> to VALUE (YAML: a number, a list <c>[a, b]</c>, a string), creating mappings on the way.</summary>
    static void ApplyOverride(YamlMappingNode root, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ConfigException($"--set {assignment}: expected STAGE.KEY=VALUE, e.g. --set pretrain.max_steps=100");
        var keys = assignment[..eq].Split('.');
        if (keys.Length < 2) throw new ConfigException($"--set {assignment}: name the stage and the key, e.g. --set pretrain.max_steps=100");
        if (!root.Children.TryGetValue(new YamlScalarNode("stages"), out var stagesNode) || stagesNode is not YamlMappingNode stages)
            throw new ConfigException($"--set {assignment}: the pipeline has no stages mapping");
        if (!stages.Children.TryGetValue(new YamlScalarNode(keys[0]), out var node))
            throw new ConfigException($"--set {assignment}: no stage '{keys[0]}' (stages: {string.Join(", ", stages.Children.Keys)})");
        for (int i = 1; i < keys.Length - 1; i++)
        {
            var mapping = node as YamlMappingNode ?? throw new ConfigException($"--set {assignment}: '{string.Join('.', keys[..i])}' is not a mapping");
            if (!mapping.Children.TryGetValue(new YamlScalarNode(keys[i]), out var child)) mapping.Children[new YamlScalarNode(keys[i])] = child = new YamlMappingNode();
            node = child;
        }
        var target = node as YamlMappingNode ?? throw new ConfigException($"--set {assignment}: '{string.Join('.', keys[..^1])}' is not a mapping");
        var value = new YamlStream();
        value.Load(new StringReader(assignment[(eq + 1)..].Length == 0 ? "''" : assignment[(eq + 1)..]));
        target.Children[new YamlScalarNode(keys[^1])] = value.Documents[0].RootNode;
    }
}
