using Tsumugi.Common.Config;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>One entry of <c>stages:</c>: a token budget drawn with one mixture.</summary>
public sealed record CurriculumStage
{
    public required string Name { get; init; }

    /// <summary>Tokens the model trains on in this stage (rows × seq_length).</summary>
    public required long Tokens { get; init; }

    /// <summary>Dataset name → weight; weights sum to 1. Datasets not named get weight 0.</summary>
    public required IReadOnlyDictionary<string, double> Mixture { get; init; }

    /// <summary>Optional learning-rate behaviour for the trainer.</summary>
    [ConfigKey("lr")]
    public StageLearningRate? LearningRate { get; init; }
}
