using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Common.Config;

/// <summary>
/// One mapping of a YAML config with its allowed keys: typed getters whose errors name the file, line and full key
/// path (<c>tiny.yaml:12: train.seq_length: 'abc' is not an integer</c>). Unknown keys are refused on creation; with
/// no allowed list, the keys are those the reader asks for, and <see cref="EnsureAllUsed"/> refuses the rest.
/// Every config reader in Tsumugi goes through this class.
/// </summary>
public sealed class YamlSection
{
    private readonly Dictionary<string, YamlNode> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly string _source;
    private readonly string _path;
    private readonly YamlNode _node;
    private readonly Func<string, ConfigException> _error;

    /// <param name="node">The mapping (null or an empty scalar: an absent section, all defaults).</param>
    /// <param name="source">What errors name first: a file name, or a flag such as <c>--set</c>.</param>
    /// <param name="path">The dotted key path of this section (empty at the top level).</param>
    /// <param name="allowed">The keys allowed here; null to accept what the reader asks for (see <see cref="EnsureAllUsed"/>).</param>
    /// <param name="error">Makes the exception (a subtype of <see cref="ConfigException"/>) from a finished message.</param>
    public YamlSection(YamlNode? node, string source, string path, IReadOnlyCollection<string>? allowed, Func<string, ConfigException>? error = null)
    {
        _source = source;
        _path = path;
        _error = error ?? (m => new ConfigException(m));
        _node = node ?? new YamlMappingNode();
        Allowed = allowed;
        if (node is null || node is YamlScalarNode { Value: null or "" }) return;
        if (node is not YamlMappingNode mapping)
            throw Error(node, allowed is null ? $"'{path}' must be a mapping" : $"'{path}' must be a mapping (keys: {string.Join(", ", allowed)})");
        foreach (var (k, v) in mapping.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (allowed is not null && !allowed.Contains(key))
                throw Error(k, $"unknown key '{Full(key)}' (allowed in '{Where}': {string.Join(", ", allowed)})");
            _values[key] = v;
        }
    }

    public IReadOnlyCollection<string>? Allowed { get; }

    /// <summary>The keys present in this section, in file order.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    public bool Has(string key) => _values.TryGetValue(key, out var n) && n is not YamlScalarNode { Value: null or "" };

    public YamlNode? Node(string key)
    {
        _used.Add(key);
        return _values.GetValueOrDefault(key);
    }

    public YamlSection Section(string key, IReadOnlyCollection<string>? allowed) => new(Node(key), _source, Full(key), allowed, _error);

    /// <summary>
    /// A mapping found inside this section's values (an item of a list of mappings such as <c>endpoints[2]</c>), read
    /// with this file's name and error type; <paramref name="path"/> is its full key path.
    /// </summary>
    public YamlSection Nested(YamlNode node, string path, IReadOnlyCollection<string>? allowed) => new(node, _source, path, allowed, _error);

    /// <summary>The value, or null when the key is absent or empty (<c>key:</c> and <c>--set key=</c> mean "unset").</summary>
    public string? String(string key) => Node(key) is { } n && Scalar(n, key) is { Length: > 0 } v ? v : null;

    public string Choice(string key, string fallback, params string[] options)
    {
        var value = String(key) ?? fallback;
        return options.Contains(value) ? value : throw Error(_values[key], $"{Full(key)}: '{value}' is not one of {string.Join(", ", options)}");
    }

    /// <summary>An enum written in snake_case (<c>best_fit</c> → <c>BestFit</c>); errors list the allowed values.</summary>
    public TEnum Enum<TEnum>(string key, TEnum fallback) where TEnum : struct, Enum
    {
        if (String(key) is not { } text) return fallback;
        foreach (var value in System.Enum.GetValues<TEnum>())
            if (SnakeCase(value.ToString()) == text) return value;
        throw Error(_values[key], $"{Full(key)}: '{text}' is not one of {string.Join(", ", System.Enum.GetValues<TEnum>().Select(v => SnakeCase(v.ToString())))}");
    }

    public static string SnakeCase(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    public double Double(string key, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (Node(key) is not { } n) return fallback;
        var text = Scalar(n, key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw Error(n, $"{Full(key)}: '{text}' is not a number");
        if (v < min || v > max) throw Error(n, $"{Full(key)}: {text} is outside [{min}, {max}]");
        return v;
    }

    public long Long(string key, long fallback, long min = 0, long max = long.MaxValue)
    {
        if (Node(key) is not { } n) return fallback;
        var text = Scalar(n, key);
        if (!long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw Error(n, $"{Full(key)}: '{text}' is not an integer");
        if (v < min || v > max) throw Error(n, $"{Full(key)}: {v} is outside [{min}, {max}]");
        return v;
    }

    public int Int(string key, int fallback, int min = 0, int max = int.MaxValue) => (int)Long(key, fallback, min, max);

    public long? OptionalLong(string key, long min = 1) => Has(key) ? Long(key, 0, min) : null;

    /// <summary>A positive token count: an integer or 500M / 1.5B / 2T.</summary>
    public long? Tokens(string key) => Tokens(key, allowZero: false);

    /// <summary>A token count that may be 0 when <paramref name="allowZero"/> (a budget that may be empty, such as a warm-up).</summary>
    public long? Tokens(string key, bool allowZero)
    {
        if (Node(key) is not { } n) return null;
        var text = Scalar(n, key);
        return TokenCounts.TryParse(text, out var v) && (v > 0 || (allowZero && v == 0))
            ? v
            : throw Error(n, $"{Full(key)}: '{text}' is not a {(allowZero ? "non-negative" : "positive")} token count (e.g. 4096, 500M, 1.5B)");
    }

    public bool Bool(string key, bool fallback)
    {
        if (Node(key) is not { } n) return fallback;
        return Scalar(n, key) switch
        {
            "true" or "True" or "yes" or "on" => true,
            "false" or "False" or "no" or "off" => false,
            var other => throw Error(n, $"{Full(key)}: '{other}' is not true or false"),
        };
    }

    /// <summary>A scalar or a list of scalars, as a list (null when absent).</summary>
    public List<string>? List(string key)
    {
        return Node(key) switch
        {
            null => null,
            YamlSequenceNode seq => seq.Children.Select(c => Scalar(c, key)).ToList(),
            var n => [Scalar(n, key)],
        };
    }

    /// <summary>A path, resolved against the config file's directory.</summary>
    public string? PathValue(string key, string baseDirectory) => String(key) is { Length: > 0 } p ? System.IO.Path.GetFullPath(p, baseDirectory) : null;

    /// <summary>A required, non-empty list of paths (files, folders or globs) resolved against <paramref name="baseDirectory"/>.</summary>
    /// <param name="example">What the list holds, for the error, e.g. "the SFT files, folders or globs (e.g. data/sft/*.jsonl)".</param>
    public List<string> RequiredPaths(string key, string baseDirectory, string example)
    {
        var paths = List(key) ?? throw Error(key, $"missing '{key}': {example}");
        if (paths.Count == 0 || paths.Any(string.IsNullOrWhiteSpace)) throw Error(key, $"'{key}' holds an empty entry");
        return paths.Select(p => System.IO.Path.GetFullPath(p, baseDirectory)).ToList();
    }

    /// <summary>Refuses keys no reader asked for (for sections read without an allowed list).</summary>
    public void EnsureAllUsed()
    {
        foreach (var (key, node) in _values)
            if (!_used.Contains(key))
                throw Error(node, $"unknown key '{Full(key)}' (known in '{Where}': {string.Join(", ", _used.Order(StringComparer.Ordinal))})");
    }

    /// <summary>An error about <paramref name="key"/>, located at its line (or the section's when absent).</summary>
    public ConfigException Error(string key, string message) => Error(_values.GetValueOrDefault(key) ?? _node, $"{Full(key)}: {message}");

    /// <summary>An error located at a node of this file.</summary>
    public ConfigException Error(YamlNode node, string message) =>
        _error(node.Start.Line > 0 ? $"{_source}:{node.Start.Line}: {message}" : $"{_source}: {message}");

    private string Scalar(YamlNode node, string key) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"{Full(key)} must be a single value");

    private string Where => _path.Length == 0 ? "the top level" : _path;

    private string Full(string key) => _path.Length == 0 ? key : $"{_path}.{key}";
}
