namespace Tsumugi.Datasets.Curriculum;

/// <summary>
/// Learning-rate behaviour a stage asks for. The data layer only validates and carries it; the trainer applies it.
/// Null fields mean "as the trainer config says".
/// </summary>
public sealed record StageLearningRate
{
    /// <summary>Schedules a stage may name.</summary>
    public static readonly IReadOnlyList<string> Schedules = ["continue", "constant", "cosine", "linear", "wsd"];

    /// <summary><c>continue</c> (default: the run's schedule goes on), <c>constant</c>, <c>cosine</c>, <c>linear</c> or <c>wsd</c>.</summary>
    public string Schedule { get; init; } = "continue";

    /// <summary>Learning rate at the start of the stage (after warm-up).</summary>
    public double? Peak { get; init; }

    /// <summary>Learning rate the stage ends at (cosine/linear/wsd decay target).</summary>
    public double? Min { get; init; }

    /// <summary>Tokens of linear warm-up at the start of the stage.</summary>
    public long? WarmupTokens { get; init; }

    /// <summary>For <c>wsd</c>: the final fraction of the stage spent decaying (MiniCPM: ~0.1).</summary>
    public double? DecayFraction { get; init; }
}
