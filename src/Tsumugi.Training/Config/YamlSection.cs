using System.Globalization;
using Tsumugi.Common;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// One mapping of the training config with its allowed keys: typed getters whose errors name the file, line and full
/// key path (<c>tiny.yaml:12: train.seq_length: 'abc' is not an integer</c>). Unknown keys are refused on creation.
/// </summary>
internal sealed class YamlSection
{
    private readonly Dictionary<string, YamlNode> _values = new();
    private readonly string _source;
    private readonly string _path;
    private readonly YamlNode _node;

    public YamlSection(YamlNode? node, string source, string path, IReadOnlyCollection<string> allowed)
    {
        _source = source;
        _path = path;
        _node = node ?? new YamlMappingNode();
        if (node is null || node is YamlScalarNode { Value: null or "" }) return; // absent or empty section: all defaults
        if (node is not YamlMappingNode mapping)
            throw Error(node, $"'{path}' must be a mapping (keys: {string.Join(", ", allowed)})");
        foreach (var (k, v) in mapping.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(key))
                throw Error(k, $"unknown key '{Full(key)}' (allowed in '{path}': {string.Join(", ", allowed)})");
            _values[key] = v;
        }
    }

    public bool Has(string key) => _values.TryGetValue(key, out var n) && n is not YamlScalarNode { Value: null or "" };
    public YamlNode? Node(string key) => _values.GetValueOrDefault(key);
    public YamlSection Section(string key, IReadOnlyCollection<string> allowed) => new(Node(key), _source, Full(key), allowed);

    /// <summary>The value, or null when the key is absent or empty (<c>key:</c> and <c>--set key=</c> mean "unset").</summary>
    public string? String(string key) => _values.TryGetValue(key, out var n) && Scalar(n, key) is { Length: > 0 } v ? v : null;

    public string Choice(string key, string fallback, params string[] options)
    {
        var value = String(key) ?? fallback;
        return options.Contains(value) ? value : throw Error(_values[key], $"{Full(key)}: '{value}' is not one of {string.Join(", ", options)}");
    }

    public double Double(string key, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!_values.TryGetValue(key, out var n)) return fallback;
        var text = Scalar(n, key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw Error(n, $"{Full(key)}: '{text}' is not a number");
        if (v < min || v > max) throw Error(n, $"{Full(key)}: {text} is outside [{min}, {max}]");
        return v;
    }

    public long Long(string key, long fallback, long min = 0, long max = long.MaxValue)
    {
        if (!_values.TryGetValue(key, out var n)) return fallback;
        var text = Scalar(n, key);
        if (!long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw Error(n, $"{Full(key)}: '{text}' is not an integer");
        if (v < min || v > max) throw Error(n, $"{Full(key)}: {v} is outside [{min}, {max}]");
        return v;
    }

    public int Int(string key, int fallback, int min = 0, int max = int.MaxValue) => (int)Long(key, fallback, min, max);

    public long? OptionalLong(string key, long min = 1) => Has(key) ? Long(key, 0, min) : null;

    /// <summary>A token count: an integer or 500M / 1.5B / 2T.</summary>
    public long? Tokens(string key)
    {
        if (!_values.TryGetValue(key, out var n)) return null;
        var text = Scalar(n, key);
        return TokenCounts.TryParse(text, out var v) && v > 0 ? v : throw Error(n, $"{Full(key)}: '{text}' is not a positive token count (e.g. 4096, 500M, 1.5B)");
    }

    public bool Bool(string key, bool fallback)
    {
        if (!_values.TryGetValue(key, out var n)) return fallback;
        return Scalar(n, key) switch
        {
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            var other => throw Error(n, $"{Full(key)}: '{other}' is not true or false"),
        };
    }

    /// <summary>A path, resolved against the config file's directory.</summary>
    public string? PathValue(string key, string baseDirectory) => String(key) is { Length: > 0 } p ? System.IO.Path.GetFullPath(p, baseDirectory) : null;

    public TrainConfigException Error(string key, string message) => Error(_values.GetValueOrDefault(key) ?? _node, $"{Full(key)}: {message}");

    private string Scalar(YamlNode node, string key) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"{Full(key)} must be a single value");

    private string Full(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    private TrainConfigException Error(YamlNode node, string message) =>
        new(node.Start.Line > 0 ? $"{_source}:{node.Start.Line}: {message}" : $"{_source}: {message}");
}
