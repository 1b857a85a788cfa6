using System.Globalization;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Tensors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// Reads mergekit-moe's YAML schema (<c>mergekit/moe/config.py</c>) and mergekit's own checks (<c>is_bad_config</c>).
/// Strict like <see cref="Config.MergeConfigReader"/>: an unknown key, an unsupported gate mode or architecture is an
/// error naming file and line.
/// </summary>
public static class MoeConfigReader
{
    static readonly string[] TopKeys = ["base_model", "experts", "gate_mode", "dtype", "experts_per_token", "shared_experts", "architecture"];
    static readonly string[] ExpertKeys = ["source_model", "positive_prompts", "negative_prompts", "noise_scale", "residual_scale"];

    /// <summary>Gate modes of <c>mergekit/moe/router.py</c>.</summary>
    public static readonly string[] GateModes = ["hidden", "hidden_last", "hidden_avg", "cheap_embed", "random", "uniform_random"];

    /// <summary>True when <paramref name="text"/> is a mergekit-moe config: a top-level <c>experts:</c> list whose entries
    /// have <c>source_model</c> (a plain mergekit config has models/slices instead).</summary>
    public static bool IsMoeConfig(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("experts"), out var experts)
                && experts is YamlSequenceNode list && list.Children.Any(e => e is YamlMappingNode m && m.Children.ContainsKey(new YamlScalarNode("source_model")));
        }
        catch (YamlException) { return false; }
    }

    public static MoeMergeConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigException($"{path}: mergekit-moe config not found.");
        return Parse(File.ReadAllText(path), path);
    }

    public static MoeMergeConfig Parse(string text, string path)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { throw new ConfigException($"{path}:{e.Start.Line}: not valid YAML ({e.Message})."); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{path}: a mergekit-moe config is a YAML mapping with base_model and experts.");
        var top = Mapping(path, root, TopKeys, "the top level");

        if (top.TryGetValue("shared_experts", out var shared) && shared is not YamlScalarNode { Value: null or "" or "null" or "~" })
            throw Error(path, shared, "shared_experts are not supported for the mixtral architecture (mergekit refuses them too); remove them");
        string architecture = OptionalScalar(path, top, "architecture") ?? "mixtral";
        if (!architecture.Equals("mixtral", StringComparison.OrdinalIgnoreCase))
            throw Error(path, top["architecture"], $"architecture '{architecture}' is not supported; Tsumugi writes mixtral only (deepseek, qwen and qwen3 MoE outputs are not implemented)");
        string baseModel = Scalar(path, top.GetValueOrDefault("base_model") ?? throw Error(path, root, "base_model is required (the donor of attention, norms and embeddings)"), "base_model");

        string gateMode = OptionalScalar(path, top, "gate_mode") ?? "hidden";
        if (!GateModes.Contains(gateMode))
            throw Error(path, top["gate_mode"], $"unknown gate_mode '{gateMode}' (mergekit-moe has: {string.Join(", ", GateModes)})");
        string? dtype = OptionalScalar(path, top, "dtype") is { } d
            ? FloatCodec.FromTorchName(d) ?? throw Error(path, top["dtype"], $"dtype '{d}' is not supported (use float32, float16 or bfloat16)")
            : null;
        int perToken = top.TryGetValue("experts_per_token", out var ept) ? Int(path, ept, "experts_per_token") : 2;

        var expertsNode = top.GetValueOrDefault("experts") ?? throw Error(path, root, "experts is required (a list of source_model entries)");
        if (expertsNode is not YamlSequenceNode expertList) throw Error(path, expertsNode, "experts must be a list");
        var experts = expertList.Children.Select(n => ReadExpert(path, n)).ToList();
        if (experts.Count == 0) throw Error(path, expertsNode, "experts needs at least one entry");
        if (perToken < 1) throw Error(path, ept!, $"experts_per_token must be ≥ 1 (got {perToken})");
        if (experts.Count < perToken) throw Error(path, expertsNode, $"{experts.Count} experts but experts_per_token is {perToken}; give at least as many experts");

        if (gateMode is not ("random" or "uniform_random"))
        {
            if (experts.FirstOrDefault(e => e.PositivePrompts.Count == 0) is { } bare)
                throw new ConfigException($"{path}:{bare.Line}: expert '{bare.SourceModel}' has no positive_prompts; gate_mode {gateMode} builds its router row from them (or use gate_mode: random).");
            if (experts.Count > 1 && experts.All(e => e.PositivePrompts.SequenceEqual(experts[0].PositivePrompts) && e.NegativePrompts.SequenceEqual(experts[0].NegativePrompts)))
                throw Error(path, expertsNode, "the positive and negative prompts are identical for all experts, which gives every expert the same router row; give each expert prompts for what it should receive");
        }
        return new MoeMergeConfig(path, baseModel, experts, gateMode, dtype, perToken, text);
    }

    static MoeExpertConfig ReadExpert(string path, YamlNode node)
    {
        var map = Mapping(path, node, ExpertKeys, "an experts entry");
        var source = map.GetValueOrDefault("source_model") ?? throw Error(path, node, "experts entry needs source_model");
        return new MoeExpertConfig(Scalar(path, source, "source_model"), Prompts(path, map, "positive_prompts"), Prompts(path, map, "negative_prompts"),
            Number(path, map, "noise_scale"), Number(path, map, "residual_scale"), node.Start.Line);
    }

    static IReadOnlyList<string> Prompts(string path, Dictionary<string, YamlNode> map, string key)
    {
        if (!map.TryGetValue(key, out var node) || node is YamlScalarNode { Value: null or "" or "null" or "~" }) return [];
        if (node is not YamlSequenceNode list || list.Children.Any(c => c is not YamlScalarNode))
            throw Error(path, node, $"{key} must be a list of strings");
        return list.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
    }

    static double? Number(string path, Dictionary<string, YamlNode> map, string key)
    {
        if (!map.TryGetValue(key, out var node) || node is YamlScalarNode { Value: null or "" or "null" or "~" }) return null;
        return node is YamlScalarNode { Value: { } v } && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
            ? d : throw Error(path, node, $"{key} must be a number");
    }

    static ConfigException Error(string path, YamlNode node, string message) =>
        new(node.Start.Line > 0 ? $"{path}:{node.Start.Line}: {message}." : $"{path}: {message}.");

    static Dictionary<string, YamlNode> Mapping(string path, YamlNode node, string[] allowed, string what)
    {
        if (node is not YamlMappingNode mapping) throw Error(path, node, $"{what} must be a mapping (keys: {string.Join(", ", allowed)})");
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in mapping.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(key)) throw Error(path, k, $"unknown key '{key}' in {what} (mergekit-moe allows: {string.Join(", ", allowed)})");
            result[key] = v;
        }
        return result;
    }

    static string Scalar(string path, YamlNode node, string key) =>
        node is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw Error(path, node, $"{key} must be a single non-empty value");

    static string? OptionalScalar(string path, Dictionary<string, YamlNode> map, string key) =>
        map.TryGetValue(key, out var node) && node is not YamlScalarNode { Value: null or "" or "null" or "~" } ? Scalar(path, node, key) : null;

    static int Int(string path, YamlNode node, string key) =>
        node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)
            ? i : throw Error(path, node, $"{key} must be an integer");
}
