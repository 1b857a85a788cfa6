using Tsumugi.Common.Config;
using Tsumugi.Datasets.Sampling;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>
/// The data section of a training run: datasets, packing and curriculum stages, read from YAML (keys documented in
/// docs/datasets.md). Parsing checks everything that needs no files: unknown keys, types, weights, names.
/// File checks and the epoch budget happen in <see cref="DataPlan.Create"/>.
/// </summary>
public sealed record CurriculumConfig
{
    /// <summary>
    /// The keys allowed at the top level of a data config (or a training config's <c>data:</c> section), derived from
    /// this record's properties: the one list every reader of this section uses.
    /// </summary>
    public static IReadOnlyList<string> YamlKeys => ConfigKeys.Of<CurriculumConfig>();

    /// <summary>File (or label) the config came from; every error names it.</summary>
    [NotConfigKey]
    public required string Source { get; init; }

    public PackingMode Packing { get; init; } = PackingMode.Concat;
    public bool Shuffle { get; init; } = true;
    public int PadId { get; init; }
    public int? AppendEosId { get; init; }

    /// <summary>Share of each dataset's documents held out for validation (never trained on); 0 = none.</summary>
    public double ValidationFraction { get; init; }
    public required IReadOnlyList<DatasetSpec> Datasets { get; init; }
    public required IReadOnlyList<CurriculumStage> Stages { get; init; }

    /// <summary>Reads and validates a YAML file; relative dataset paths resolve against its directory.</summary>
    public static CurriculumConfig Load(string path)
    {
        if (!File.Exists(path)) throw new DataConfigException($"{path}: data config file not found");
        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors.</summary>
    public static CurriculumConfig Parse(string yaml, string source, string baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new DataConfigException($"{source}:{e.Start.Line}: not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new DataConfigException($"{source}: expected a mapping with 'datasets' and 'stages'");
        return FromYaml(root, source, baseDirectory);
    }

    /// <summary>Reads a mapping node, e.g. the <c>data:</c> section of a larger training config.</summary>
    public static CurriculumConfig FromYaml(YamlMappingNode root, string source, string baseDirectory) =>
        new CurriculumYamlReader(source, baseDirectory).Read(root);

    /// <summary>
    /// What a bare <c>data.path</c> means: a <c>.bin</c>/<c>.idx</c> prefix, or a directory whose datasets are all used with
    /// weights proportional to their token counts (Megatron's list-of-prefixes rule), in one stage of
    /// <paramref name="tokens"/> tokens. Repetition is allowed unless <paramref name="maxEpochs"/> says otherwise.
    /// </summary>
    public static CurriculumConfig FromPath(string path, long tokens, double maxEpochs = double.PositiveInfinity, PackingMode packing = PackingMode.Concat,
        double validationFraction = 0)
    {
        var full = Path.GetFullPath(path);
        List<string> prefixes;
        if (Directory.Exists(full))
        {
            prefixes = Directory.GetFiles(full, "*.idx").Select(f => f[..^4]).Order(StringComparer.Ordinal).ToList();
            if (prefixes.Count == 0) throw new DataConfigException($"{full}: no Megatron datasets (*.idx + *.bin) in this directory; run `tsumugi data tokenize` first");
        }
        else
        {
            if (full.EndsWith(".idx", StringComparison.Ordinal) || full.EndsWith(".bin", StringComparison.Ordinal)) full = full[..^4];
            prefixes = [full];
        }
        var sizes = new List<long>();
        foreach (var prefix in prefixes)
        {
            try
            {
                using var dataset = IndexedDataset.Open(prefix);
                sizes.Add(dataset.TokenCount);
            }
            catch (IndexedDatasetException e)
            {
                throw new DataConfigException($"{path}: {e.Message}");
            }
        }
        var total = (double)sizes.Sum();
        if (total == 0) throw new DataConfigException($"{path}: the datasets hold no tokens");
        // The domain (per-domain loss and perplexity) comes from manifest.json when the dataset has an entry there.
        var datasets = prefixes.Select(p => new DatasetSpec
        {
            Name = Path.GetFileName(p),
            Path = p,
            MaxEpochs = maxEpochs,
            Domain = DatasetManifest.EntryFor(p)?.Domain,
        }).ToList();
        var mixture = new Dictionary<string, double>();
        for (var i = 0; i < datasets.Count; i++) mixture[datasets[i].Name] = sizes[i] / total;
        return new CurriculumConfig
        {
            Source = path,
            Packing = packing,
            ValidationFraction = validationFraction,
            Datasets = datasets,
            Stages = [new CurriculumStage { Name = "main", Tokens = tokens, Mixture = mixture }],
        };
    }
}
