using System.Globalization;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Methods;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Composition.Config;

/// <summary>
/// Reads mergekit's YAML schema as is (<c>mergekit/config.py</c>). Strict: a key mergekit does not have, a parameter
/// the method does not read, or a mergekit feature Tsumugi does not implement is an error naming file, line and key.
/// </summary>
public static class MergeConfigReader
{
    static readonly string[] TopKeys = ["merge_method", "base_model", "models", "slices", "modules", "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template"];
    static readonly string[] ModelKeys = ["model", "parameters"];
    static readonly string[] SliceKeys = ["sources", "base_model", "residual_weight", "parameters"];
    static readonly string[] SourceKeys = ["model", "layer_range", "parameters"];
    static readonly string[] ConditionKeys = ["filter", "value"];
    static readonly string[] TokenizerKeys = ["source", "tokens", "pad_to_multiple_of"];
    static readonly string[] TokenKeys = ["source", "force"];
    static readonly string[] EmbeddingSourceKeys = ["kind", "model", "token_id", "token"];

    public static MergeConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigException($"{path}: merge config not found.");
        return Parse(File.ReadAllText(path), path);
    }

    public static MergeConfig Parse(string text, string path)
    {
        var reader = new Reader(path);
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { throw new ConfigException($"{path}:{e.Start.Line}: not valid YAML ({e.Message})."); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{path}: a merge config is a YAML mapping with merge_method and models or slices.");
        var top = reader.Mapping(root, TopKeys, "the top level");

        var methodNode = top.GetValueOrDefault("merge_method") ?? throw reader.Error(root, "merge_method is required (e.g. linear, slerp, ties)");
        string method = reader.Scalar(methodNode, "merge_method");
        if (!MergeMethodInfo.All.TryGetValue(method, out var info))
            throw reader.Error(methodNode, MergeMethodInfo.NotImplemented.Contains(method)
                ? $"merge_method '{method}' is a mergekit method Tsumugi does not implement (available: {string.Join(", ", MergeMethodInfo.All.Keys)})"
                : $"unknown merge_method '{method}' (available: {string.Join(", ", MergeMethodInfo.All.Keys)})");

        if (top.TryGetValue("modules", out var modules))
            throw reader.Error(modules, "modules (multi-module merges) are not supported by Tsumugi; use models or slices");
        bool hasModels = top.TryGetValue("models", out var modelsNode);
        bool hasSlices = top.TryGetValue("slices", out var slicesNode);
        if (hasModels == hasSlices)
            throw reader.Error(root, "give exactly one of models or slices");

        var slices = hasModels
            ? [new SliceConfig(reader.Sequence(modelsNode!, "models").Select(n => ReadModel(reader, n, info)).ToList(), null, new ParameterMap(), modelsNode!.Start.Line)]
            : reader.Sequence(slicesNode!, "slices").Select(n => ReadSlice(reader, n, info)).ToList();
        if (slices.Count == 0) throw reader.Error(hasModels ? modelsNode! : slicesNode!, "needs at least one entry");

        string? tokenizerSource = reader.OptionalScalar(top, "tokenizer_source");
        TokenizerSettings? tokenizer = tokenizerSource is null ? null
            : new TokenizerSettings(tokenizerSource, new Dictionary<string, TokenEmbeddingSetting>(), null, top["tokenizer_source"].Start.Line);
        if (top.TryGetValue("tokenizer", out var tokenizerNode) && tokenizerNode is not YamlScalarNode { Value: null or "" })
        {
            if (tokenizer is not null)
                throw reader.Error(tokenizerNode, "give tokenizer_source or a tokenizer section, not both (mergekit refuses both)");
            tokenizer = ReadTokenizer(reader, tokenizerNode);
        }

        return new MergeConfig(
            path, method, methodNode.Start.Line, reader.OptionalScalar(top, "base_model"), slices, hasModels,
            top.TryGetValue("parameters", out var p) ? ReadParameters(reader, p, info, "parameters") : new ParameterMap(),
            ReadDtype(reader, top, "dtype"), ReadDtype(reader, top, "out_dtype"), tokenizerSource,
            reader.OptionalScalar(top, "chat_template"), text, tokenizer);
    }

    static TokenizerSettings ReadTokenizer(Reader reader, YamlNode node)
    {
        var map = reader.Mapping(node, TokenizerKeys, "the tokenizer section");
        string source = reader.OptionalScalar(map, "source") ?? "union"; // mergekit's default
        var tokens = new Dictionary<string, TokenEmbeddingSetting>(StringComparer.Ordinal);
        if (map.TryGetValue("tokens", out var tokensNode) && tokensNode is not YamlScalarNode { Value: null or "" })
        {
            if (tokensNode is not YamlMappingNode tokenMap) throw reader.Error(tokensNode, "tokens must be a mapping of token: {source, force}");
            foreach (var (k, v) in tokenMap.Children)
            {
                string token = (k as YamlScalarNode)?.Value is { Length: > 0 } t ? t : throw reader.Error(k, "a tokens key must be a non-empty token");
                var entry = reader.Mapping(v, TokenKeys, $"tokens entry '{token}'");
                var sourceNode = entry.GetValueOrDefault("source")
                    ?? throw reader.Error(v, $"tokens entry '{token}' needs source (a model, {{kind: zero}} or {{kind: model_token, model, token_id | token}})");
                bool force = entry.TryGetValue("force", out var f) && reader.Bool(f, "force");
                tokens[token] = new TokenEmbeddingSetting(ReadEmbeddingSource(reader, sourceNode, token), force, k.Start.Line);
            }
        }
        int? pad = null;
        if (reader.OptionalScalar(map, "pad_to_multiple_of") is not null)
        {
            pad = reader.Int(map["pad_to_multiple_of"], "pad_to_multiple_of");
            if (pad <= 0) throw reader.Error(map["pad_to_multiple_of"], "pad_to_multiple_of must be a positive integer");
        }
        return new TokenizerSettings(source, tokens, pad, node.Start.Line);
    }

    static TokenEmbeddingSource ReadEmbeddingSource(Reader reader, YamlNode node, string token)
    {
        if (node is YamlScalarNode) return new ModelEmbeddingSource(reader.Scalar(node, "source"));
        var map = reader.Mapping(node, EmbeddingSourceKeys, $"the source of token '{token}'");
        string kind = map.TryGetValue("kind", out var k) ? reader.Scalar(k, "kind") : throw reader.Error(node, $"the source of token '{token}' needs kind: zero or model_token");
        switch (kind)
        {
            case "zero":
                if (map.Count > 1) throw reader.Error(node, "kind: zero takes no other keys");
                return new ZeroEmbeddingSource();
            case "model_token":
                string model = map.TryGetValue("model", out var m) ? reader.Scalar(m, "model") : throw reader.Error(node, "kind: model_token needs model");
                int? id = map.TryGetValue("token_id", out var idNode) ? reader.Int(idNode, "token_id") : null;
                string? text = map.TryGetValue("token", out var textNode) ? reader.Scalar(textNode, "token") : null;
                if ((id is null) == (text is null)) throw reader.Error(node, "kind: model_token needs exactly one of token_id or token");
                if (id < 0) throw reader.Error(idNode!, "token_id must be ≥ 0");
                return new ModelTokenEmbeddingSource(model, id, text);
            default:
                throw reader.Error(k, $"unknown source kind '{kind}' (mergekit has zero and model_token; a plain model reference needs no kind)");
        }
    }

    static SourceConfig ReadModel(Reader reader, YamlNode node, MergeMethodInfo info)
    {
        var map = reader.Mapping(node, ModelKeys, "a models entry");
        var model = map.GetValueOrDefault("model") ?? throw reader.Error(node, "models entry needs model");
        return new SourceConfig(reader.Scalar(model, "model"), null,
            map.TryGetValue("parameters", out var p) ? ReadParameters(reader, p, info, "parameters") : new ParameterMap(), node.Start.Line);
    }

    static SliceConfig ReadSlice(Reader reader, YamlNode node, MergeMethodInfo info)
    {
        var map = reader.Mapping(node, SliceKeys, "a slices entry");
        if (map.TryGetValue("residual_weight", out var residual))
            throw reader.Error(residual, "residual_weight is not supported (mergekit deprecated it); remove it");
        var sourcesNode = map.GetValueOrDefault("sources") ?? throw reader.Error(node, "slices entry needs sources");
        var sources = reader.Sequence(sourcesNode, "sources").Select(n =>
        {
            var s = reader.Mapping(n, SourceKeys, "a sources entry");
            var model = s.GetValueOrDefault("model") ?? throw reader.Error(n, "sources entry needs model");
            var rangeNode = s.GetValueOrDefault("layer_range") ?? throw reader.Error(n, "sources entry needs layer_range: [start, end)");
            var range = reader.Sequence(rangeNode, "layer_range").Select(r => reader.Int(r, "layer_range")).ToList();
            if (range.Count != 2 || range[0] < 0 || range[1] <= range[0])
                throw reader.Error(rangeNode, "layer_range must be [start, end) with 0 ≤ start < end");
            return new SourceConfig(reader.Scalar(model, "model"), (range[0], range[1]),
                s.TryGetValue("parameters", out var p) ? ReadParameters(reader, p, info, "parameters") : new ParameterMap(), n.Start.Line);
        }).ToList();
        if (sources.Count == 0) throw reader.Error(sourcesNode, "sources needs at least one entry");
        return new SliceConfig(sources, reader.OptionalScalar(map, "base_model"),
            map.TryGetValue("parameters", out var sp) ? ReadParameters(reader, sp, info, "parameters") : new ParameterMap(), node.Start.Line);
    }

    static ParameterMap ReadParameters(Reader reader, YamlNode node, MergeMethodInfo info, string where)
    {
        var result = new ParameterMap();
        if (node is YamlScalarNode { Value: null or "" }) return result;
        if (node is not YamlMappingNode mapping) throw reader.Error(node, $"{where} must be a mapping of name: setting");
        foreach (var (k, v) in mapping.Children)
        {
            string name = ((YamlScalarNode)k).Value ?? "";
            if (!info.ParameterNames.Contains(name))
                throw reader.Error(k, $"unknown parameter '{name}' for merge_method {info.Name} (it reads: {string.Join(", ", info.ParameterNames)})");
            result[name] = ReadSetting(reader, v);
        }
        return result;
    }

    static ParameterSetting ReadSetting(Reader reader, YamlNode node)
    {
        long line = node.Start.Line;
        switch (node)
        {
            case YamlScalarNode scalar:
                return new ScalarSetting(Value(scalar), line);
            case YamlMappingNode:
                return new ConditionalSetting([ReadCondition(reader, node)], line);
            case YamlSequenceNode sequence when sequence.Children.Count == 0:
                throw reader.Error(node, "an empty list is not a parameter setting");
            case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                var values = sequence.Children.Select(c => Value((YamlScalarNode)c)).ToArray();
                return values.All(v => v is double)
                    ? new GradientSetting(values.Cast<double>().ToArray(), line)
                    : new ChoiceSetting(values, line);
            case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlMappingNode):
                return new ConditionalSetting(sequence.Children.Select(c => ReadCondition(reader, c)).ToList(), line);
            default:
                throw reader.Error(node, "a parameter setting is a value, a list of numbers, or a list of {filter, value}");
        }
    }

    static (string? Filter, ParameterSetting Value) ReadCondition(Reader reader, YamlNode node)
    {
        var map = reader.Mapping(node, ConditionKeys, "a {filter, value} entry");
        var value = map.GetValueOrDefault("value") ?? throw reader.Error(node, "a {filter, value} entry needs value");
        return (reader.OptionalScalar(map, "filter"), ReadSetting(reader, value));
    }

    static object Value(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.Plain)
        {
            if (text is "true" or "True" or "TRUE") return true;
            if (text is "false" or "False" or "FALSE") return false;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        }
        return text;
    }

    static string? ReadDtype(Reader reader, Dictionary<string, YamlNode> top, string key)
    {
        string? value = reader.OptionalScalar(top, key);
        if (value is null) return null;
        return Tensors.FloatCodec.FromTorchName(value)
            ?? throw reader.Error(top[key], $"{key} '{value}' is not supported (use float32, float16 or bfloat16)");
    }

    /// <summary>Node helpers whose errors carry the file and line.</summary>
    sealed class Reader(string path)
    {
        public ConfigException Error(YamlNode node, string message) =>
            new(node.Start.Line > 0 ? $"{path}:{node.Start.Line}: {message}." : $"{path}: {message}.");

        public Dictionary<string, YamlNode> Mapping(YamlNode node, string[] allowed, string what)
        {
            if (node is not YamlMappingNode mapping)
                throw Error(node, $"{what} must be a mapping (keys: {string.Join(", ", allowed)})");
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (k, v) in mapping.Children)
            {
                string key = (k as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(key))
                    throw Error(k, $"unknown key '{key}' in {what} (mergekit allows: {string.Join(", ", allowed)})");
                result[key] = v;
            }
            return result;
        }

        public IEnumerable<YamlNode> Sequence(YamlNode node, string key) =>
            node as YamlSequenceNode ?? throw Error(node, $"{key} must be a list");

        public string Scalar(YamlNode node, string key) =>
            node is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw Error(node, $"{key} must be a single non-empty value");

        public string? OptionalScalar(Dictionary<string, YamlNode> map, string key) =>
            map.TryGetValue(key, out var node) && node is not YamlScalarNode { Value: null or "" } && !(node is YamlScalarNode { Value: "null" or "~", Style: ScalarStyle.Plain })
                ? Scalar(node, key) : null;

        public bool Bool(YamlNode node, string key) => node is YamlScalarNode scalar && Value(scalar) is bool b
            ? b : throw Error(node, $"{key} must be true or false");

        public int Int(YamlNode node, string key) =>
            node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)
                ? i : throw Error(node, $"{key} must hold integers");
    }
}
