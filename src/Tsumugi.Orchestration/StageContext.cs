using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Orchestration;

/// <summary>
/// What a stage kind sees while preparing: its keys, and the resolution of values that name earlier stages or files.
/// Every stage it names and every file it reads through here is recorded, so the stage's fingerprint covers them.
/// </summary>
public sealed class StageContext
{
    readonly Func<string, PreparedStage?> _earlier;
    readonly List<PreparedStage> _upstream = [];
    readonly List<string> _files = [];

    internal StageContext(PipelineSpec pipeline, StageSpec stage, string directory, Func<string, PreparedStage?> earlier)
    {
        Pipeline = pipeline;
        Stage = stage;
        Directory = directory;
        _earlier = earlier;
    }

    public PipelineSpec Pipeline { get; }
    public StageSpec Stage { get; }
    public YamlSection Settings => Stage.Settings;
    /// <summary>The stage's own folder under the pipeline's output.</summary>
    public string Directory { get; }
    internal IReadOnlyList<PreparedStage> Upstream => _upstream;
    internal IReadOnlyList<string> Files => _files;

    /// <summary>
    /// A required key naming an input: an earlier stage (its product), <c>STAGE/sub/path</c> (a path in that stage's
    /// folder), or a path relative to the pipeline file (write <c>./name</c> for a file or folder named like a stage).
    /// <paramref name="what"/> says what belongs there, for the error.
    /// </summary>
    public string Input(string key, string what) => OptionalInput(key) ?? throw Settings.Error(key, $"missing: {what}");

    public string? OptionalInput(string key) => Settings.String(key) is { } value ? Resolve(key, value) : null;

    /// <summary>A key holding one input or a list of them (each resolved like <see cref="Input"/>).</summary>
    public List<string> Inputs(string key, string what)
    {
        var values = Settings.List(key) ?? throw Settings.Error(key, $"missing: {what}");
        if (values.Count == 0) throw Settings.Error(key, $"empty: {what}");
        return values.Select(v => Resolve(key, v)).ToList();
    }

    /// <summary>A mapping of name → input (e.g. eval's <c>models:</c>), in file order. Names become folder names, so they are plain.</summary>
    public List<(string Name, string Path)> NamedInputs(string key, string what)
    {
        var section = Settings.Section(key, null);
        var names = section.Keys.ToList();
        if (names.Count == 0) throw Settings.Error(key, $"missing or empty: {what}");
        foreach (var name in names.Where(n => n is "." or ".." || n.Length == 0 || n.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
            throw section.Error(name, $"'{name}': use letters, digits, '-', '_' and '.' (the name is also a folder)");
        var result = names.Select(n => (n, Resolve($"{key}.{n}", section.String(n) ?? throw section.Error(n, "empty")))).ToList();
        section.EnsureAllUsed();
        return result;
    }

    /// <summary>A config file the stage reads: its content is part of the fingerprint, so editing it reruns the stage.</summary>
    public string? ConfigFile(string key)
    {
        if (Settings.String(key) is not { } value) return null;
        var path = Path.GetFullPath(value, Pipeline.Directory);
        if (!File.Exists(path)) throw Settings.Error(key, $"{path}: file not found");
        _files.Add(path);
        return path;
    }

    /// <summary>Records a file or folder the stage reads that no key names (a kind's built-in data).</summary>
    public void Watch(string path) => _files.Add(Path.GetFullPath(path));

    /// <summary>
    /// The <c>set:</c> mapping as <c>key.path=value</c> overrides for a training config (nested mappings flattened
    /// with dots, lists as <c>[a, b]</c>), in file order.
    /// </summary>
    public List<string> Sets(string key = "set")
    {
        var result = new List<string>();
        void Walk(YamlNode node, string prefix)
        {
            switch (node)
            {
                case YamlMappingNode m:
                    foreach (var (k, v) in m.Children) Walk(v, prefix.Length == 0 ? $"{k}" : $"{prefix}.{k}");
                    break;
                case YamlSequenceNode s:
                    result.Add($"{prefix}=[{string.Join(", ", s.Children.Select(c => (c as YamlScalarNode)?.Value))}]");
                    break;
                case YamlScalarNode sc:
                    result.Add($"{prefix}={sc.Value}");
                    break;
            }
        }
        if (Settings.Node(key) is { } n and not YamlScalarNode { Value: null or "" })
        {
            if (n is not YamlMappingNode) throw Settings.Error(key, "must be a mapping of config key → value, e.g. {train.max_steps: 100}");
            Walk(n, "");
        }
        return result;
    }

    /// <summary>
    /// Replaces each <c>${STAGE}</c> or <c>${STAGE/sub/path}</c> (or <c>${path}</c>) in a config file's text by the
    /// resolved path, for configs that name models themselves (mergekit's). <paramref name="key"/> is named in errors.
    /// </summary>
    public string Placeholders(string text, string key) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\$\{([^}]+)\}", m => Resolve(key, m.Groups[1].Value));

    string Resolve(string key, string value)
    {
        // ./x, ../x and /x are always paths; otherwise a leading stage name wins over a file of the same name.
        bool explicitPath = value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(value);
        var head = value.Split('/', 2);
        if (!explicitPath && _earlier(head[0]) is { } stage)
        {
            if (!_upstream.Contains(stage)) _upstream.Add(stage);
            return head.Length == 1 ? stage.Product : Path.Combine(stage.Directory, head[1]);
        }
        if (!explicitPath && Pipeline.Stages.Any(s => s.Name == head[0] && s.Name != Stage.Name))
            throw Settings.Error(key, $"'{head[0]}' is a stage that does not run before this one (or is disabled); a stage can use only earlier stages' outputs");
        var path = Path.GetFullPath(value, Pipeline.Directory);
        if (!File.Exists(path) && !System.IO.Directory.Exists(path))
            throw Settings.Error(key, $"'{value}' is neither an earlier stage ({string.Join(", ", Pipeline.Stages.TakeWhile(s => s.Name != Stage.Name).Select(s => s.Name))}) nor an existing path ({path})");
        _files.Add(path);
        return path;
    }
}
