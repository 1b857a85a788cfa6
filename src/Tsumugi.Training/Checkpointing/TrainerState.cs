using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Training.Guard;

namespace Tsumugi.Training.Checkpointing;

/// <summary>
/// Everything besides weights and optimizer moments that an exact resume needs (trainer_state.json): the step (the
/// LR schedule is a function of it), the sampler position, the spike guard's window, the RNG state, counters, and how
/// long metrics.jsonl was when the checkpoint was taken (a resume truncates lines written after it).
/// </summary>
public sealed record TrainerState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("step")] public long Step { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("skipped_steps")] public long SkippedSteps { get; init; }
    [JsonPropertyName("rollbacks")] public int Rollbacks { get; init; }
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; init; }
    [JsonPropertyName("last_loss")] public double? LastLoss { get; init; }
    [JsonPropertyName("metrics_bytes")] public long MetricsBytes { get; init; }

    /// <summary>Hash of the settings that change the loss curve; a resume with different ones is refused.</summary>
    [JsonPropertyName("config_fingerprint")] public required string ConfigFingerprint { get; init; }
    [JsonPropertyName("sampler")] public required SamplerState Sampler { get; init; }
    [JsonPropertyName("guard")] public required SpikeGuardState Guard { get; init; }

    /// <summary>libtorch's CPU generator state (base64).</summary>
    [JsonPropertyName("torch_rng")] public string? TorchRng { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainerState Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty trainer state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: trainer state is not valid JSON ({e.Message}); resume from an earlier checkpoint", e);
        }
    }
}
