using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Tsumugi.Corpus.Shards;

/// <summary>
/// Compile-time JSON metadata for plan.json, which every `corpus clean` run writes: without it the serializer
/// discovers <see cref="ShardPlan"/> by reflection in every process, a start-up cost. <see cref="Books"/> is
/// <see cref="CorpusJson.Options"/> with this metadata first; same text as the reflection path (tested).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ShardPlan))]
internal sealed partial class ShardPlanJson : JsonSerializerContext
{
    public static readonly JsonSerializerOptions Books = new(CorpusJson.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver()),
    };
}
