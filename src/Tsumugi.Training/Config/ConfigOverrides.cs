using System.Globalization;
using System.Text.RegularExpressions;
using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// <c>--set key.path=value</c>: writes a value into the YAML tree before the config is read, so an override goes
/// through exactly the checks a value in the file does (unknown keys included). The value is parsed as YAML, so
/// <c>optimizer.betas=[0.9,0.95]</c> and <c>data.path=/data/ja</c> both work; <c>--set key=</c> removes the key (the
/// default applies, or another key of a choice can be given). A relative path typed on the command line means the
/// current directory, as in any shell command (one in the file stays relative to the file).
/// <para>
/// Errors name the flag, not the file: each override's nodes are parsed at a line past the file's end
/// (<see cref="FirstLine"/> + its index), and <see cref="NameFlags"/> turns <c>FILE:LINE:</c> of such a line back into
/// <c>--set key=value:</c>.
/// </para>
/// </summary>
public sealed partial class ConfigOverrides
{
    /// <summary>The keys the config reads as paths (<see cref="YamlSection.PathValue"/>).</summary>
    static readonly HashSet<string> PathKeys = ["path", "from", "tokenizer", "config", "curriculum", "tasks"];

    private readonly string _source;
    private readonly IReadOnlyList<string> _assignments;

    /// <param name="yaml">The config file's text: overrides are marked with lines after its last one.</param>
    public ConfigOverrides(string source, string yaml, IEnumerable<string>? assignments)
    {
        _source = source;
        _assignments = assignments?.ToList() ?? [];
        FirstLine = yaml.Count(c => c == '\n') + 2;
    }

    /// <summary>The line the first override's nodes claim to be on.</summary>
    public int FirstLine { get; }

    public static readonly ConfigOverrides None = new("", "", null);

    public void Apply(YamlMappingNode root)
    {
        for (var index = 0; index < _assignments.Count; index++)
        {
            var assignment = _assignments[index];
            var line = FirstLine + index;
            var eq = assignment.IndexOf('=');
            if (eq <= 0) throw new TrainConfigException($"--set {assignment}: expected key.path=value (e.g. --set train.max_steps=100)");
            var path = assignment[..eq].Trim().Split('.');
            if (path.Any(string.IsNullOrWhiteSpace)) throw new TrainConfigException($"--set {assignment}: empty key in '{assignment[..eq]}'");
            var text = assignment[(eq + 1)..];
            if (text.Length == 0)
            {
                Unset(root, path);
                continue;
            }
            var node = root;
            for (var i = 0; i < path.Length - 1; i++)
            {
                var key = new YamlScalarNode(path[i]);
                if (!node.Children.TryGetValue(key, out var child))
                {
                    child = new YamlMappingNode();
                    node.Children[Key(path[i], line)] = child;
                }
                node = child as YamlMappingNode
                    ?? throw new TrainConfigException($"--set {assignment}: '{string.Join('.', path[..(i + 1)])}' is a value, not a section");
            }
            var value = ParseValue(text, assignment, line);
            if (PathKeys.Contains(path[^1]) && value is YamlScalarNode { Value: { Length: > 0 } p } && !Path.IsPathRooted(p))
                value = Marked($"v: {Quote(Path.GetFullPath(p))}", line).Value;
            if (PathKeys.Contains(path[^1]) && value is YamlSequenceNode list) // eval.tasks=[a.json,dir]
                value = Marked($"v: [{string.Join(", ", list.Children.Select(c => Quote(c is YamlScalarNode { Value: { Length: > 0 } e } ? Path.GetFullPath(e) : c.ToString())))}]", line).Value;
            node.Children.Remove(new YamlScalarNode(path[^1]));
            node.Children[Key(path[^1], line)] = value;
        }
    }

    /// <summary><c>--set a.b=</c>: removes b from section a (nothing to do when either is absent).</summary>
    static void Unset(YamlMappingNode root, string[] path)
    {
        var node = root;
        foreach (var part in path[..^1])
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(part), out var child) || child is not YamlMappingNode map) return;
            node = map;
        }
        node.Children.Remove(new YamlScalarNode(path[^1]));
    }

    /// <summary>Rewrites <c>SOURCE:LINE: …</c> about an override's line into <c>--set key=value: …</c>.</summary>
    public string NameFlags(string message)
    {
        if (_assignments.Count == 0) return message;
        var prefix = _source + ":";
        if (!message.StartsWith(prefix, StringComparison.Ordinal)) return message;
        var match = LinePrefix().Match(message, prefix.Length);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var line)) return message;
        var index = line - FirstLine;
        return index >= 0 && index < _assignments.Count ? $"--set {_assignments[index]}: {message[(prefix.Length + match.Length)..]}" : message;
    }

    static YamlScalarNode Key(string key, int line) =>
        SimpleKey().IsMatch(key) && Marked($"{key}: 0", line).Key is YamlScalarNode k ? k : new YamlScalarNode(key);

    static YamlNode ParseValue(string text, string assignment, int line)
    {
        try
        {
            return Marked("v: " + text, line).Value;
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TrainConfigException($"--set {assignment}: the value is not valid YAML ({e.Message})");
        }
    }

    /// <summary>Parses a one-entry mapping as if it stood on <paramref name="line"/>, so its nodes carry that line.</summary>
    static KeyValuePair<YamlNode, YamlNode> Marked(string entry, int line)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(new string('\n', line - 1) + entry));
        return ((YamlMappingNode)stream.Documents[0].RootNode).Children.Single();
    }

    static string Quote(string text) => "'" + text.Replace("'", "''") + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_\-]+$")]
    private static partial Regex SimpleKey();

    [GeneratedRegex(@"\G(\d+): ")]
    private static partial Regex LinePrefix();
}
