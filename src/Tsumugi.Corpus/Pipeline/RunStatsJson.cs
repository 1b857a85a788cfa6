using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// Compile-time JSON metadata for summary.json and the shards' done files, which every `corpus clean` run writes: without it the serializer
/// discovers <see cref="RunStats"/> by reflection in every process, a start-up cost. <see cref="Books"/> is
/// <see cref="CorpusJson.Options"/> with this metadata first; same text as the reflection path (tested).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunStats))]
internal sealed partial class RunStatsJson : JsonSerializerContext
{
    public static readonly JsonSerializerOptions Books = new(CorpusJson.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver()),
    };
}
