using System.Globalization;
using Tsumugi.Datasets.Sampling;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>YAML → <see cref="CurriculumConfig"/>, with errors that name the file, line, path and key.</summary>
internal sealed class CurriculumYamlReader(string source, string baseDirectory)
{
    private static readonly string[] RootKeys = ["packing", "shuffle", "pad_id", "append_eos_id", "validation_fraction", "datasets", "stages"];
    private static readonly string[] DatasetKeys = ["path", "max_epochs", "domain"];
    private static readonly string[] StageKeys = ["name", "tokens", "mixture", "lr"];
    private static readonly string[] LrKeys = ["schedule", "peak", "min", "warmup_tokens", "decay_fraction"];

    /// <summary>Allowed deviation of a stage's weight sum from 1 (YAML decimals such as 0.1 are inexact).</summary>
    public const double WeightTolerance = 1e-6;

    public CurriculumConfig Read(YamlMappingNode root)
    {
        var map = Keys(root, "the top level", RootKeys);
        if (!map.TryGetValue("datasets", out var datasetsNode)) throw Error(root, "missing 'datasets' (a mapping of name → {path, max_epochs, domain})");
        if (!map.TryGetValue("stages", out var stagesNode)) throw Error(root, "missing 'stages' (a list of {name, tokens, mixture, lr})");

        var validation = 0.0;
        if (map.TryGetValue("validation_fraction", out var v))
        {
            validation = Number(v, "validation_fraction");
            if (validation is < 0 or > 0.5) throw Error(v, $"validation_fraction must be in [0, 0.5] (got {validation})");
        }
        var datasets = ReadDatasets(datasetsNode);
        var names = datasets.Select(d => d.Name).ToHashSet();
        var stages = ReadStages(stagesNode, names);
        return new CurriculumConfig
        {
            Source = source,
            Packing = map.TryGetValue("packing", out var p) ? ReadPacking(p) : PackingMode.Concat,
            Shuffle = !map.TryGetValue("shuffle", out var s) || Bool(s, "shuffle"),
            PadId = map.TryGetValue("pad_id", out var pad) ? checked((int)Integer(pad, "pad_id")) : 0,
            AppendEosId = map.TryGetValue("append_eos_id", out var eos) ? checked((int)Integer(eos, "append_eos_id")) : null,
            ValidationFraction = validation,
            Datasets = datasets,
            Stages = stages,
        };
    }

    private List<DatasetSpec> ReadDatasets(YamlNode node)
    {
        if (node is not YamlMappingNode mapping || mapping.Children.Count == 0)
            throw Error(node, "'datasets' must be a non-empty mapping of name → {path, max_epochs, domain}");
        var result = new List<DatasetSpec>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            var where = $"datasets.{name}";
            string path;
            double maxEpochs = 1;
            string? domain = null;
            if (value is YamlScalarNode scalar) path = scalar.Value ?? "";
            else
            {
                var fields = Keys(value, where, DatasetKeys);
                if (!fields.TryGetValue("path", out var pathNode)) throw Error(value, $"{where}: missing 'path' (the .bin/.idx prefix)");
                path = Text(pathNode, $"{where}.path");
                if (fields.TryGetValue("max_epochs", out var e)) maxEpochs = Number(e, $"{where}.max_epochs");
                if (fields.TryGetValue("domain", out var d)) domain = Text(d, $"{where}.domain");
            }
            if (string.IsNullOrWhiteSpace(path)) throw Error(value, $"{where}: empty path");
            if (!(maxEpochs > 0)) throw Error(value, $"{where}.max_epochs must be > 0 (got {maxEpochs})");
            if (path.EndsWith(".bin", StringComparison.Ordinal) || path.EndsWith(".idx", StringComparison.Ordinal)) path = path[..^4];
            result.Add(new DatasetSpec { Name = name, Path = Path.GetFullPath(path, baseDirectory), MaxEpochs = maxEpochs, Domain = domain ?? name });
        }
        return result;
    }

    private List<CurriculumStage> ReadStages(YamlNode node, HashSet<string> datasetNames)
    {
        if (node is not YamlSequenceNode sequence || sequence.Children.Count == 0)
            throw Error(node, "'stages' must be a non-empty list of {name, tokens, mixture, lr}");
        var result = new List<CurriculumStage>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var stageNode = sequence.Children[i];
            var fields = Keys(stageNode, $"stages[{i}]", StageKeys);
            var name = fields.TryGetValue("name", out var n) ? Text(n, $"stages[{i}].name") : $"stage{i + 1}";
            var where = $"stage '{name}'";
            if (result.Any(s => s.Name == name)) throw Error(stageNode, $"{where}: duplicate stage name");
            if (!fields.TryGetValue("tokens", out var tokensNode)) throw Error(stageNode, $"{where}: missing 'tokens' (the stage's token budget, e.g. 10B)");
            var tokens = TokenCount(tokensNode, $"{where}.tokens");
            if (!fields.TryGetValue("mixture", out var mixtureNode) || mixtureNode is not YamlMappingNode mixtureMap || mixtureMap.Children.Count == 0)
                throw Error(stageNode, $"{where}: 'mixture' must be a mapping of dataset name → weight");
            var mixture = new Dictionary<string, double>();
            foreach (var (k, v) in mixtureMap.Children)
            {
                var dataset = ((YamlScalarNode)k).Value ?? "";
                if (!datasetNames.Contains(dataset))
                    throw Error(k, $"{where}: mixture names dataset '{dataset}', which is not declared under 'datasets' (declared: {string.Join(", ", datasetNames)})");
                var weight = Number(v, $"{where}.mixture.{dataset}");
                if (weight < 0) throw Error(v, $"{where}: weight of '{dataset}' is negative ({weight})");
                mixture[dataset] = weight;
            }
            var sum = mixture.Values.Sum();
            if (Math.Abs(sum - 1) > WeightTolerance)
                throw Error(mixtureNode, $"{where}: mixture weights sum to {sum.ToString("R", CultureInfo.InvariantCulture)}, not 1 ({string.Join(", ", mixture.Select(kv => $"{kv.Key} {kv.Value.ToString(CultureInfo.InvariantCulture)}"))})");
            var lr = fields.TryGetValue("lr", out var lrNode) ? ReadLearningRate(lrNode, $"{where}.lr") : null;
            result.Add(new CurriculumStage { Name = name, Tokens = tokens, Mixture = mixture, LearningRate = lr });
        }
        return result;
    }

    private StageLearningRate ReadLearningRate(YamlNode node, string where)
    {
        var fields = Keys(node, where, LrKeys);
        var lr = new StageLearningRate();
        if (fields.TryGetValue("schedule", out var s))
        {
            var schedule = Text(s, $"{where}.schedule");
            if (!StageLearningRate.Schedules.Contains(schedule))
                throw Error(s, $"{where}.schedule: unknown schedule '{schedule}' (one of {string.Join(", ", StageLearningRate.Schedules)})");
            lr = lr with { Schedule = schedule };
        }
        if (fields.TryGetValue("peak", out var peak)) lr = lr with { Peak = Positive(peak, $"{where}.peak") };
        if (fields.TryGetValue("min", out var min)) lr = lr with { Min = Number(min, $"{where}.min") };
        if (fields.TryGetValue("warmup_tokens", out var w)) lr = lr with { WarmupTokens = TokenCount(w, $"{where}.warmup_tokens", allowZero: true) };
        if (fields.TryGetValue("decay_fraction", out var f))
        {
            var fraction = Number(f, $"{where}.decay_fraction");
            if (fraction is <= 0 or > 1) throw Error(f, $"{where}.decay_fraction must be in (0, 1] (got {fraction})");
            lr = lr with { DecayFraction = fraction };
        }
        if (lr.Min is { } lo && lr.Peak is { } hi && lo > hi) throw Error(node, $"{where}: min {lo} is above peak {hi}");
        return lr;
    }

    private PackingMode ReadPacking(YamlNode node) => Text(node, "packing") switch
    {
        "concat" => PackingMode.Concat,
        "best_fit" => PackingMode.BestFit,
        var other => throw Error(node, $"packing: unknown mode '{other}' (concat or best_fit)"),
    };

    /// <summary>The children of a mapping, refusing any key outside <paramref name="allowed"/>.</summary>
    private Dictionary<string, YamlNode> Keys(YamlNode node, string where, string[] allowed)
    {
        if (node is not YamlMappingNode mapping) throw Error(node, $"{where} must be a mapping (keys: {string.Join(", ", allowed)})");
        var result = new Dictionary<string, YamlNode>();
        foreach (var (k, v) in mapping.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(key)) throw Error(k, $"unknown key '{key}' in {where} (allowed: {string.Join(", ", allowed)})");
            result[key] = v;
        }
        return result;
    }

    private string Text(YamlNode node, string where) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"{where} must be a single value");

    private double Number(YamlNode node, string where)
    {
        var text = Text(node, where);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw Error(node, $"{where}: '{text}' is not a number");
    }

    private double Positive(YamlNode node, string where)
    {
        var v = Number(node, where);
        return v > 0 ? v : throw Error(node, $"{where} must be > 0 (got {v})");
    }

    private long Integer(YamlNode node, string where)
    {
        var text = Text(node, where);
        return long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw Error(node, $"{where}: '{text}' is not a non-negative integer");
    }

    private bool Bool(YamlNode node, string where) => Text(node, where) switch
    {
        "true" or "True" or "yes" => true,
        "false" or "False" or "no" => false,
        var other => throw Error(node, $"{where}: '{other}' is not true or false"),
    };

    /// <summary>A token count: an integer (underscores allowed) or a decimal with K/M/B/T (10³…10¹²), e.g. 1.5B.</summary>
    private long TokenCount(YamlNode node, string where, bool allowZero = false)
    {
        var text = Text(node, where).Replace("_", "").Trim();
        if (!TokenCounts.TryParse(text, out var value) || value < 0 || (value == 0 && !allowZero))
            throw Error(node, $"{where}: '{text}' is not a positive token count (e.g. 500000000, 500M, 1.5B, 2T)");
        return value;
    }

    private DataConfigException Error(YamlNode node, string message) => new($"{source}:{node.Start.Line}: {message}");
}
