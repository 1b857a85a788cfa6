using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Training.Guard;
using static TorchSharp.torch;

namespace Tsumugi.Training.Checkpointing;

/// <summary>
/// The run's state besides weights and optimizer moments — the one object the loop advances, a checkpoint writes
/// (trainer_state.json) and a resume or rollback restores: the step (the LR schedule is a function of it), tokens,
/// counters, the sampler state after the last consumed batch, and, captured when a checkpoint is taken, the spike
/// guard's window, the RNG state and how long metrics.jsonl was (a resume truncates lines written after it).
/// </summary>
public sealed class TrainerState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    [JsonPropertyName("version")] public int Version { get; init; } = 1;

    /// <summary>Optimizer steps completed, skipped ones included.</summary>
    [JsonPropertyName("step")] public long Step { get; set; }
    [JsonPropertyName("tokens")] public long Tokens { get; set; }
    [JsonPropertyName("skipped_steps")] public long SkippedSteps { get; set; }
    [JsonPropertyName("rollbacks")] public int Rollbacks { get; set; }

    /// <summary>Training time so far (steps and evaluations; not preflight or checkpoint writes): the ETA's basis.</summary>
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; set; }

    /// <summary>The loss of the newest step that was not a spike.</summary>
    [JsonPropertyName("last_loss")] public double? LastLoss { get; set; }
    [JsonPropertyName("metrics_bytes")] public long MetricsBytes { get; set; }

    /// <summary>Hash of the settings that change the loss curve; a resume with different ones is refused.</summary>
    [JsonPropertyName("config_fingerprint")] public required string ConfigFingerprint { get; init; }

    /// <summary>The sampler after the last consumed batch (the prefetcher may be ahead of it).</summary>
    [JsonPropertyName("sampler")] public required SamplerState Sampler { get; set; }
    [JsonPropertyName("guard")] public required SpikeGuardState Guard { get; set; }

    /// <summary>libtorch's CPU generator state (base64).</summary>
    [JsonPropertyName("torch_rng")] public string? TorchRng { get; set; }

    /// <summary>One optimizer step consumed <paramref name="batchTokens"/> tokens and left the sampler at <paramref name="samplerAfter"/>.</summary>
    public void Advance(long batchTokens, SamplerState samplerAfter)
    {
        Step++;
        Tokens += batchTokens;
        Sampler = samplerAfter;
    }

    /// <summary>Takes in the parts that live elsewhere between checkpoints, just before the state is saved.</summary>
    public void Capture(SpikeGuard guard, long metricsBytes)
    {
        Guard = guard.GetState();
        MetricsBytes = metricsBytes;
        using var rng = random.get_rng_state();
        TorchRng = Convert.ToBase64String(rng.data<byte>().ToArray());
    }

    /// <summary>Puts those parts back (resume, rollback).</summary>
    public void RestoreInto(SpikeGuard guard)
    {
        guard.Restore(Guard);
        if (TorchRng is not { } rng) return;
        using var restored = tensor(Convert.FromBase64String(rng));
        random.set_rng_state(restored);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Publishes the state atomically (it is the file that marks a checkpoint complete).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

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
