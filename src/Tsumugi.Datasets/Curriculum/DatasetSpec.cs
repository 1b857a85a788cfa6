using Tsumugi.Common.Config;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>A dataset declared under <c>datasets:</c>.</summary>
public sealed record DatasetSpec
{
    /// <summary>The key under <c>datasets:</c>; mixtures refer to it.</summary>
    [NotConfigKey]
    public required string Name { get; init; }

    /// <summary>Absolute <c>.bin</c>/<c>.idx</c> prefix (relative paths resolve against the config file's directory).</summary>
    public required string Path { get; init; }

    /// <summary>Passes over the data the plan may take; 1 = no repetition (default).</summary>
    public double MaxEpochs { get; init; } = 1;

    /// <summary>Domain label for per-domain loss; defaults to the name.</summary>
    public string? Domain { get; init; }
}
