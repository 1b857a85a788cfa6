using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// Everything needed to continue a <see cref="CurriculumSampler"/> exactly: rows drawn, the stage and its per-dataset
/// counts (the blending state), and each dataset's own row cursor. Saved with every checkpoint as JSON.
/// </summary>
public sealed record SamplerState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    [JsonPropertyName("version")] public int Version { get; init; } = 1;

    /// <summary>Hash of datasets, options and stages; a resume with a different plan is refused.</summary>
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }

    [JsonPropertyName("position")] public long Position { get; init; }
    [JsonPropertyName("stage_index")] public int StageIndex { get; init; }
    [JsonPropertyName("stage_position")] public long StagePosition { get; init; }
    [JsonPropertyName("stage_counts")] public required long[] StageCounts { get; init; }
    [JsonPropertyName("cursors")] public required long[] Cursors { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SamplerState FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SamplerState>(json, Json) ?? throw new FormatException("sampler state is empty");
        }
        catch (JsonException e)
        {
            throw new FormatException($"sampler state is not valid: {e.Message}", e);
        }
    }
}
