using System.Text.Json.Serialization;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Corpus;

/// <summary>
/// Compile-time JSON metadata for the books every <c>corpus clean</c> run writes (plan.json, the shards' done files,
/// summary.json), used through <see cref="CorpusJson.Options"/>: without it the serializer discovers these types by
/// reflection in every process, a start-up cost paid before the first shard is published. Same output (tested).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunStats))]
[JsonSerializable(typeof(ShardPlan))]
internal sealed partial class CorpusJsonContext : JsonSerializerContext;
