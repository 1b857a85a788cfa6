using Tsumugi.Common.Config;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// <c>data:</c> either <c>path</c> (a Megatron dataset prefix or a directory of them, weighted by size, one stage sized by
/// the step budget), <c>curriculum</c> (a curriculum YAML file), or the curriculum keys inline (datasets, stages, …);
/// for <c>tsumugi sft</c>, the SFT data keys (paths, format, columns, …: docs/sft-data.md).
/// </summary>
public sealed record DataSettings
{
    public string? Path { get; init; }

    [ConfigKey("curriculum")]
    public string? CurriculumFile { get; init; }

    /// <summary>The inline curriculum mapping (datasets/stages/…), read by the data layer.</summary>
    [NotConfigKey]
    public YamlMappingNode? Inline { get; init; }

    /// <summary>Null: concat for data.path, the curriculum's own setting for data.curriculum.</summary>
    public PackingMode? Packing { get; init; }

    /// <summary>Null: 0 for data.path, the curriculum's own setting for data.curriculum.</summary>
    public double? ValidationFraction { get; init; }
    public double MaxEpochs { get; init; } = double.PositiveInfinity;

    /// <summary>An SFT run's data section (<c>tsumugi sft</c>): instruction files, read by <see cref="SftReader"/>.</summary>
    [NotConfigKey]
    public SftDataConfig? Sft { get; init; }

    /// <summary>A preference run's data section (<c>tsumugi dpo</c>): pairs or labelled examples, read by <see cref="Datasets.Preference.PreferenceReader"/>.</summary>
    [NotConfigKey]
    public Datasets.Preference.PreferenceDataConfig? Preference { get; init; }
}
