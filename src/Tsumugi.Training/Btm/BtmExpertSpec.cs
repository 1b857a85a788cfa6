using Tsumugi.Datasets.Curriculum;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Btm;

/// <summary>One entry of <c>experts:</c>: a name, the datasets it trains on, and its overrides of the shared <c>train:</c>.</summary>
public sealed record BtmExpertSpec
{
    public required string Name { get; init; }

    /// <summary>The resolved datasets (prefix, domain, max_epochs), in the order given.</summary>
    public required IReadOnlyList<DatasetSpec> Datasets { get; init; }

    /// <summary><c>steps</c>: this expert's train.max_steps (null: the shared one).</summary>
    public long? Steps { get; init; }

    /// <summary><c>lr</c>: this expert's optimizer.lr (null: the shared one).</summary>
    public double? LearningRate { get; init; }

    /// <summary><c>train:</c> overrides, same keys as the shared train: section (deep-merged over it).</summary>
    public YamlMappingNode? Train { get; init; }

    /// <summary><c>merge:</c> this expert's per-model mergekit parameters (weight, density, …); weight defaults to 1.</summary>
    public YamlMappingNode? MergeParameters { get; init; }

    /// <summary>Line of the entry in the config file.</summary>
    public long Line { get; init; }
}
