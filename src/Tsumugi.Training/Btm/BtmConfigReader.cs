using System.Text.RegularExpressions;
using Tsumugi.Common.Config;
using Tsumugi.Datasets;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Training.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Btm;

/// <summary>
/// YAML tree → <see cref="BtmConfig"/>. Checks everything that is BTM's own (keys, expert names, datasets, combine);
/// the training keys inside <c>train:</c> are checked by the training config reader when each expert's config is built
/// (<see cref="BtmRun.Prepare"/>), with their lines in this file.
/// </summary>
internal sealed partial class BtmConfigReader(string source, string baseDirectory)
{
    static readonly string[] TopKeys = ["seed", "model", "datasets", "curriculum", "train", "experts", "combine"];
    static readonly string[] DatasetKeys = ["path", "domain", "max_epochs"];

    /// <summary>The sections of a `tsumugi train` config an expert's training may set (model and data paths are BTM's).</summary>
    internal static readonly string[] TrainKeys = ["data", "train", "optimizer", "schedule", "checkpoint", "eval", "guard", "log"];

    /// <summary>Data options shared by the experts; the datasets themselves are each expert's.</summary>
    internal static readonly string[] DataKeys = ["packing", "shuffle", "validation_fraction", "pad_id", "append_eos_id"];

    static readonly string[] ExpertKeys = ["name", "datasets", "steps", "lr", "train", "merge"];
    static readonly string[] CombineKeys = ["method", "merge_method", "parameters", "dtype", "top_k", "prior_ema_rate", "prior_data", "prior_documents"];
    static readonly string[] MergeOnly = ["merge_method", "parameters", "dtype"];
    static readonly string[] EnsembleOnly = ["prior_ema_rate", "prior_data", "prior_documents"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex NamePattern();

    YamlSection Section(YamlNode? node, string path, IReadOnlyCollection<string>? allowed) =>
        new(node, source, path, allowed, message => new TrainConfigException(message));

    TrainConfigException Error(YamlNode node, string message) =>
        new(node.Start.Line > 0 ? $"{source}:{node.Start.Line}: {message}" : $"{source}: {message}");

    public BtmConfig Read(YamlMappingNode root)
    {
        var top = Section(root, "", TopKeys);
        if (top.Node("model") is not YamlMappingNode model)
            throw top.Error("model", "missing or not a mapping: the seed model, as `tsumugi train`'s model: (from: DIR, or preset: tiny + tokenizer: DIR)");
        var train = top.Node("train") switch
        {
            null or YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
            YamlMappingNode m => m,
            var n => throw Error(n, "train: must be a mapping of `tsumugi train` sections (train, optimizer, schedule, …)"),
        };
        CheckTrainSection(train, "train");
        var catalog = ReadCatalog(top);
        if (top.Node("experts") is not YamlSequenceNode { Children.Count: > 0 } experts)
            throw top.Error("experts", "missing: a list of experts, each {name, datasets, steps, lr, train, merge}");
        var specs = new List<BtmExpertSpec>();
        for (int i = 0; i < experts.Children.Count; i++) specs.Add(ReadExpert(experts.Children[i], $"experts[{i}]", catalog, specs));
        if (!top.Has("combine")) throw top.Error("combine", "missing: combine.method is merge, ensemble or btx");
        var combine = ReadCombine(top.Section("combine", CombineKeys), specs.Count);
        return new BtmConfig
        {
            Source = source, BaseDirectory = baseDirectory, Seed = top.Long("seed", TrainConfig.DefaultSeed), Model = model, Train = train,
            Experts = specs, Combine = combine, Yaml = "",
        };
    }

    /// <summary>A `train:` (shared or an expert's): only training sections, and data options without datasets.</summary>
    void CheckTrainSection(YamlMappingNode train, string path)
    {
        foreach (var (k, _) in train.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (key is "model") throw Error(k, $"{path}.model: the experts start from the seed: set the top-level model: instead");
            if (key is "seed") throw Error(k, $"{path}.seed: set the top-level seed: (one seed for the whole BTM run)");
            if (key is "lora" or "sft" or "dpo") throw Error(k, $"{path}.{key}: BTM experts are fully pretrained models (continued pretraining on their domain); {key} is not supported here");
        }
        var section = Section(train, path, TrainKeys);
        if (section.Node("data") is { } data)
        {
            foreach (var (k, _) in (data as YamlMappingNode)?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
                if ((k as YamlScalarNode)?.Value is "path" or "curriculum" or "datasets" or "stages")
                    throw Error(k, $"{path}.data.{((YamlScalarNode)k).Value}: each expert's data is its experts[].datasets; {path}.data holds only {string.Join(", ", DataKeys)}");
            _ = Section(data, $"{path}.data", DataKeys);
        }
    }

    /// <summary>Named datasets: the top-level datasets: mapping and the datasets of a curriculum: file.</summary>
    List<DatasetSpec> ReadCatalog(YamlSection top)
    {
        var catalog = new List<DatasetSpec>();
        if (top.PathValue("curriculum", baseDirectory) is { } file)
        {
            try
            {
                catalog.AddRange(CurriculumConfig.Load(file).Datasets);
            }
            catch (ConfigException e)
            {
                throw top.Error("curriculum", e.Message);
            }
        }
        if (top.Node("datasets") is YamlMappingNode datasets)
        {
            foreach (var (k, v) in datasets.Children)
            {
                var name = ((YamlScalarNode)k).Value ?? "";
                var s = Section(v, $"datasets.{name}", DatasetKeys);
                var path = s.PathValue("path", baseDirectory) ?? throw s.Error("path", "missing: the .bin/.idx prefix (relative to this file)");
                if (catalog.Any(c => c.Name == name)) throw Error(k, $"datasets.{name}: the name is already a dataset of the curriculum file");
                catalog.Add(new DatasetSpec { Name = name, Path = StripExtension(path), Domain = s.String("domain") ?? name, MaxEpochs = s.Double("max_epochs", 1e6, 1e-9) });
            }
        }
        else if (top.Node("datasets") is { } other && other is not YamlScalarNode { Value: null or "" })
            throw Error(other, "datasets: must be a mapping of name → {path, domain, max_epochs}");
        return catalog;
    }

    BtmExpertSpec ReadExpert(YamlNode node, string where, List<DatasetSpec> catalog, List<BtmExpertSpec> earlier)
    {
        var s = Section(node, where, ExpertKeys);
        var name = s.String("name") ?? throw s.Error("name", "missing: the expert's name (its directory under OUTPUT/experts)");
        if (!NamePattern().IsMatch(name)) throw s.Error("name", $"'{name}' must be letters, digits, '_', '.', '-' (it names a directory)");
        if (earlier.Any(e => e.Name == name)) throw s.Error("name", $"'{name}' is already the name of another expert");
        where = $"{where} ('{name}')";
        var list = s.Node("datasets");
        var items = list switch
        {
            YamlSequenceNode seq => seq.Children.ToList(),
            YamlScalarNode { Value.Length: > 0 } scalar => [scalar],
            _ => [],
        };
        if (items.Count == 0)
            throw Error(list ?? node, $"{where}.datasets: missing or empty: list the datasets this expert trains on (names or domains under datasets:/the curriculum, or .bin/.idx prefixes or directories)");
        var datasets = new List<DatasetSpec>();
        foreach (var item in items)
            foreach (var spec in Resolve(item, $"{where}.datasets", catalog))
                if (!datasets.Any(d => d.Path == spec.Path)) datasets.Add(datasets.Any(d => d.Name == spec.Name) ? spec with { Name = $"{spec.Name}_{datasets.Count}" } : spec);
        YamlMappingNode? train = null;
        if (s.Node("train") is YamlMappingNode t)
        {
            CheckTrainSection(t, $"{where}.train");
            train = t;
        }
        else if (s.Node("train") is { } bad && bad is not YamlScalarNode { Value: null or "" })
            throw Error(bad, $"{where}.train: must be a mapping of `tsumugi train` sections");
        YamlMappingNode? merge = null;
        if (s.Node("merge") is YamlMappingNode m) merge = m;
        else if (s.Node("merge") is { } badMerge && badMerge is not YamlScalarNode { Value: null or "" })
            throw Error(badMerge, $"{where}.merge: must be a mapping of per-model merge parameters (weight, density, …)");
        return new BtmExpertSpec
        {
            Name = name, Datasets = datasets, Steps = s.OptionalLong("steps"),
            LearningRate = s.Has("lr") ? s.Double("lr", 0, 1e-12) : null, Train = train, MergeParameters = merge, Line = node.Start.Line,
        };
    }

    IEnumerable<DatasetSpec> Resolve(YamlNode item, string where, List<DatasetSpec> catalog)
    {
        var text = (item as YamlScalarNode)?.Value;
        if (string.IsNullOrEmpty(text)) throw Error(item, $"{where}: each entry is a dataset name, a domain or a path");
        if (catalog.FirstOrDefault(c => c.Name == text) is { } named) return [named];
        var byDomain = catalog.Where(c => c.Domain == text).ToList();
        if (byDomain.Count > 0) return byDomain;
        var full = StripExtension(Path.GetFullPath(text, baseDirectory));
        if (Directory.Exists(full))
        {
            var prefixes = Directory.GetFiles(full, "*.idx").Select(f => f[..^4]).Order(StringComparer.Ordinal).ToList();
            if (prefixes.Count == 0) throw Error(item, $"{where}: {full} holds no Megatron datasets (*.idx + *.bin); run `tsumugi data tokenize` first");
            return prefixes.Select(FromPrefix);
        }
        if (File.Exists(full + ".idx")) return [FromPrefix(full)];
        var known = catalog.Count == 0 ? "no datasets: or curriculum: is given" : $"known names: {string.Join(", ", catalog.Select(c => c.Name))}; domains: {string.Join(", ", catalog.Select(c => c.Domain).Distinct())}";
        throw Error(item, $"{where}: '{text}' is not a dataset name or domain ({known}), nor a .bin/.idx prefix or directory of them ({full} not found)");
    }

    /// <summary>A dataset given by path: its domain from manifest.json (as `tsumugi train` reads it), else its file name.</summary>
    static DatasetSpec FromPrefix(string prefix) => new()
    {
        Name = Path.GetFileName(prefix), Path = prefix, MaxEpochs = 1e6, Domain = DatasetManifest.EntryFor(prefix)?.Domain ?? Path.GetFileName(prefix),
    };

    static string StripExtension(string path) =>
        path.EndsWith(".idx", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal) ? path[..^4] : path;

    BtmCombine ReadCombine(YamlSection s, int experts)
    {
        if (!s.Has("method")) throw s.Error("method", "missing: merge (one model, mergekit's methods), ensemble (the BTM mixture) or btx (Branch-Train-MiX)");
        var methodNode = s.Node("method");
        var method = s.Choice("method", "", "merge", "ensemble", "btx") switch
        {
            "merge" => BtmCombineMethod.Merge,
            "ensemble" => BtmCombineMethod.Ensemble,
            _ => BtmCombineMethod.Btx,
        };
        foreach (var key in s.Keys)
        {
            if (method != BtmCombineMethod.Merge && MergeOnly.Contains(key)) throw s.Error(key, $"applies to method: merge, not {method.ToString().ToLowerInvariant()}");
            if (method != BtmCombineMethod.Ensemble && EnsembleOnly.Contains(key)) throw s.Error(key, $"applies to method: ensemble, not {method.ToString().ToLowerInvariant()}");
        }
        var parameters = s.Node("parameters");
        if (parameters is not (null or YamlMappingNode or YamlScalarNode { Value: null or "" })) throw s.Error("parameters", "must be a mapping (mergekit's global parameters)");
        var mergeMethod = s.String("merge_method");
        if (method == BtmCombineMethod.Merge && mergeMethod is null) throw s.Error("merge_method", "missing: a mergekit merge_method (linear, task_arithmetic, ties, dare_ties, …; docs/merging.md)");
        if (method == BtmCombineMethod.Merge && s.Has("top_k")) throw s.Error("top_k", "applies to method: ensemble or btx, not merge");
        int? topK = s.Has("top_k") ? s.Int("top_k", experts, 1, experts) : null;
        return new BtmCombine
        {
            Method = method, MethodLine = methodNode?.Start.Line ?? 0,
            MergeMethod = mergeMethod, MergeMethodLine = s.Node("merge_method")?.Start.Line ?? 0,
            Parameters = parameters as YamlMappingNode, Dtype = s.String("dtype") ?? "float32",
            TopK = topK, PriorEmaRate = s.Double("prior_ema_rate", 0.3, 1e-9, 1),
            PriorData = (s.List("prior_data") ?? []).Select(p => Path.GetFullPath(p, baseDirectory)).ToList(),
            PriorDocuments = s.Int("prior_documents", 256, 1),
        };
    }
}
