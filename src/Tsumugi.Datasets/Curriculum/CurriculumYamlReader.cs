using System.Globalization;
using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>
/// YAML → <see cref="CurriculumConfig"/> through <see cref="YamlSection"/>, with errors that name the file, line and
/// key path. Allowed keys and defaults come from the settings records (<see cref="ConfigKeys"/> and their property
/// initialisers), so this reader restates neither.
/// </summary>
internal sealed class CurriculumYamlReader(string source, string baseDirectory)
{
    /// <summary>Allowed deviation of a stage's weight sum from 1 (YAML decimals such as 0.1 are inexact).</summary>
    public const double WeightTolerance = 1e-6;

    public CurriculumConfig Read(YamlMappingNode root)
    {
        var top = Section(root, "", CurriculumConfig.YamlKeys);
        if (!top.Has("datasets")) throw top.Error(root, "missing 'datasets' (a mapping of name → {path, max_epochs, domain})");
        if (!top.Has("stages")) throw top.Error(root, "missing 'stages' (a list of {name, tokens, mixture, lr})");

        var defaults = new CurriculumConfig { Source = source, Datasets = [], Stages = [] };
        var validation = top.Double("validation_fraction", defaults.ValidationFraction);
        if (validation is < 0 or > 0.5) throw top.Error(top.Node("validation_fraction")!, $"validation_fraction must be in [0, 0.5] (got {validation})");
        var datasets = ReadDatasets(top.Node("datasets")!);
        var stages = ReadStages(top.Node("stages")!, datasets.Select(d => d.Name).ToHashSet());
        return defaults with
        {
            Packing = top.Enum("packing", defaults.Packing),
            Shuffle = top.Bool("shuffle", defaults.Shuffle),
            PadId = top.Int("pad_id", defaults.PadId),
            AppendEosId = top.Has("append_eos_id") ? top.Int("append_eos_id", 0) : defaults.AppendEosId,
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
            var spec = new DatasetSpec { Name = name, Path = "", Domain = name };
            if (value is YamlScalarNode scalar) spec = spec with { Path = scalar.Value ?? "" };
            else
            {
                var fields = Section(value, where, ConfigKeys.Of<DatasetSpec>());
                spec = spec with
                {
                    Path = fields.String("path") ?? throw Error(value, $"{where}: missing 'path' (the .bin/.idx prefix)"),
                    MaxEpochs = fields.Double("max_epochs", spec.MaxEpochs),
                    Domain = fields.String("domain") ?? spec.Domain,
                };
            }
            if (string.IsNullOrWhiteSpace(spec.Path)) throw Error(value, $"{where}: empty path");
            if (!(spec.MaxEpochs > 0)) throw Error(value, $"{where}.max_epochs must be > 0 (got {spec.MaxEpochs})");
            var path = spec.Path.EndsWith(".bin", StringComparison.Ordinal) || spec.Path.EndsWith(".idx", StringComparison.Ordinal) ? spec.Path[..^4] : spec.Path;
            result.Add(spec with { Path = Path.GetFullPath(path, baseDirectory) });
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
            var fields = Section(stageNode, $"stages[{i}]", ConfigKeys.Of<CurriculumStage>());
            var name = fields.String("name") ?? $"stage{i + 1}";
            var where = $"stage '{name}'";
            if (result.Any(s => s.Name == name)) throw Error(stageNode, $"{where}: duplicate stage name");
            var tokens = fields.Tokens("tokens") ?? throw Error(stageNode, $"{where}: missing 'tokens' (the stage's token budget, e.g. 10B)");
            if (fields.Node("mixture") is not YamlMappingNode { Children.Count: > 0 } mixtureNode)
                throw Error(stageNode, $"{where}: 'mixture' must be a mapping of dataset name → weight");
            var weights = fields.Section("mixture", allowed: null);
            var mixture = new Dictionary<string, double>();
            foreach (var dataset in weights.Keys)
            {
                var weightNode = weights.Node(dataset)!;
                if (!datasetNames.Contains(dataset))
                    throw Error(weightNode, $"{where}: mixture names dataset '{dataset}', which is not declared under 'datasets' (declared: {string.Join(", ", datasetNames)})");
                var weight = weights.Double(dataset, 0);
                if (weight < 0) throw Error(weightNode, $"{where}: weight of '{dataset}' is negative ({weight})");
                mixture[dataset] = weight;
            }
            var sum = mixture.Values.Sum();
            if (Math.Abs(sum - 1) > WeightTolerance)
                throw Error(mixtureNode, $"{where}: mixture weights sum to {sum.ToString("R", CultureInfo.InvariantCulture)}, not 1 ({string.Join(", ", mixture.Select(kv => $"{kv.Key} {kv.Value.ToString(CultureInfo.InvariantCulture)}"))})");
            var lr = fields.Has("lr") ? ReadLearningRate(fields.Section("lr", ConfigKeys.Of<StageLearningRate>()), fields.Node("lr")!, $"{where}.lr") : null;
            result.Add(new CurriculumStage { Name = name, Tokens = tokens, Mixture = mixture, LearningRate = lr });
        }
        return result;
    }

    private StageLearningRate ReadLearningRate(YamlSection fields, YamlNode node, string where)
    {
        var defaults = new StageLearningRate();
        var schedule = fields.String("schedule") ?? defaults.Schedule;
        if (!StageLearningRate.Schedules.Contains(schedule))
            throw Error(fields.Node("schedule")!, $"{where}.schedule: unknown schedule '{schedule}' (one of {string.Join(", ", StageLearningRate.Schedules)})");
        var lr = new StageLearningRate
        {
            Schedule = schedule,
            Peak = fields.Has("peak") ? fields.Double("peak", 0) : defaults.Peak,
            Min = fields.Has("min") ? fields.Double("min", 0) : defaults.Min,
            WarmupTokens = fields.Tokens("warmup_tokens", allowZero: true) ?? defaults.WarmupTokens,
            DecayFraction = fields.Has("decay_fraction") ? fields.Double("decay_fraction", 0) : defaults.DecayFraction,
        };
        if (lr.Peak is <= 0) throw Error(fields.Node("peak")!, $"{where}.peak must be > 0 (got {lr.Peak})");
        if (lr.DecayFraction is <= 0 or > 1) throw Error(fields.Node("decay_fraction")!, $"{where}.decay_fraction must be in (0, 1] (got {lr.DecayFraction})");
        if (lr.Min is { } lo && lr.Peak is { } hi && lo > hi) throw Error(node, $"{where}: min {lo} is above peak {hi}");
        return lr;
    }

    private YamlSection Section(YamlNode? node, string path, IReadOnlyCollection<string>? allowed) =>
        new(node, source, path, allowed, message => new DataConfigException(message));

    /// <summary>An error at a node that no single key owns (a list item, a whole mapping).</summary>
    private ConfigException Error(YamlNode node, string message) => Section(null, "", null).Error(node, message);
}
