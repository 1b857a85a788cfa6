using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// <c>--set key.path=value</c>: writes a value into the YAML tree before the config is read, so an override goes
/// through exactly the checks a value in the file does (unknown keys included). The value is parsed as YAML, so
/// <c>optimizer.betas=[0.9,0.95]</c> and <c>data.path=/data/ja</c> both work. A relative path typed on the command line
/// means the current directory, as in any shell command (one in the file stays relative to the file).
/// </summary>
public static class ConfigOverrides
{
    /// <summary>The keys the config reads as paths (<see cref="YamlSection.PathValue"/>).</summary>
    static readonly HashSet<string> PathKeys = ["path", "from", "tokenizer", "config", "curriculum"];

    public static void Apply(YamlMappingNode root, IEnumerable<string> assignments)
    {
        foreach (var assignment in assignments)
        {
            var eq = assignment.IndexOf('=');
            if (eq <= 0) throw new TrainConfigException($"--set {assignment}: expected key.path=value (e.g. --set train.max_steps=100)");
            var path = assignment[..eq].Trim().Split('.');
            if (path.Any(string.IsNullOrWhiteSpace)) throw new TrainConfigException($"--set {assignment}: empty key in '{assignment[..eq]}'");
            var node = root;
            for (var i = 0; i < path.Length - 1; i++)
            {
                var key = new YamlScalarNode(path[i]);
                if (!node.Children.TryGetValue(key, out var child))
                {
                    child = new YamlMappingNode();
                    node.Children[key] = child;
                }
                node = child as YamlMappingNode
                    ?? throw new TrainConfigException($"--set {assignment}: '{string.Join('.', path[..(i + 1)])}' is a value, not a section");
            }
            var value = ParseValue(assignment[(eq + 1)..], assignment);
            if (PathKeys.Contains(path[^1]) && value is YamlScalarNode { Value: { Length: > 0 } text } && !Path.IsPathRooted(text))
                value = new YamlScalarNode(Path.GetFullPath(text));
            node.Children[new YamlScalarNode(path[^1])] = value;
        }
    }

    static YamlNode ParseValue(string text, string assignment)
    {
        if (text.Length == 0) return new YamlScalarNode("");
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader("v: " + text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TrainConfigException($"--set {assignment}: the value is not valid YAML ({e.Message})");
        }
        return ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("v")];
    }
}
