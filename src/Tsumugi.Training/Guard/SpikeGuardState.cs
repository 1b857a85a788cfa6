using System.Text.Json.Serialization;

namespace Tsumugi.Training.Guard;

/// <summary>The guard's running window, saved with every checkpoint so a resumed run judges spikes identically.</summary>
public sealed record SpikeGuardState
{
    [JsonPropertyName("losses")] public double[] Losses { get; init; } = [];
    [JsonPropertyName("grad_norms")] public double[] GradNorms { get; init; } = [];

    /// <summary>Spikes in a row since the last accepted step.</summary>
    [JsonPropertyName("consecutive_skips")] public int ConsecutiveSkips { get; init; }

    /// <summary>Steps left unjudged after the last stage switch.</summary>
    [JsonPropertyName("grace_left")] public int GraceLeft { get; init; }

    /// <summary>The curriculum stage of the last step (−1: none yet, or a checkpoint from before stages were tracked).</summary>
    [JsonPropertyName("stage")] public int Stage { get; init; } = -1;
}
