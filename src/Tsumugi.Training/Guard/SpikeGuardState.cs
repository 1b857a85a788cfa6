using System.Text.Json.Serialization;

namespace Tsumugi.Training.Guard;

/// <summary>The guard's running window, saved with every checkpoint so a resumed run judges spikes identically.</summary>
public sealed record SpikeGuardState
{
    [JsonPropertyName("losses")] public double[] Losses { get; init; } = [];
    [JsonPropertyName("grad_norms")] public double[] GradNorms { get; init; } = [];
}
