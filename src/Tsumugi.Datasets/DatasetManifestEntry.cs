using System.Text.Json.Serialization;

namespace Tsumugi.Datasets;

/// <summary>One <c>NAME.bin</c>/<c>NAME.idx</c> pair as recorded in <c>manifest.json</c>.</summary>
public sealed record DatasetManifestEntry
{
    /// <summary>File name prefix (without directory or extension).</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("documents")] public long Documents { get; init; }
    [JsonPropertyName("dtype")] public required string DType { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabularySize { get; init; }
    [JsonPropertyName("eos_id")] public int? EosId { get; init; }
    [JsonPropertyName("tokenizer_hash")] public string? TokenizerHash { get; init; }
    [JsonPropertyName("domain")] public string? Domain { get; init; }

    /// <summary>The dataset's completion marker: true once its <c>.bin</c> and <c>.idx</c> are published; null in older manifests.</summary>
    [JsonPropertyName("complete")] public bool? Complete { get; init; }
}
