using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Tsumugi.Corpus;

/// <summary>
/// How the corpus stages write their books (plan.json, summary.json, the shards' done files, dedup-summary.json):
/// snake_case and indented for people to read, non-ASCII text as is, NaN and ∞ allowed (rates of an empty run).
/// </summary>
public static class CorpusJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // The run's books from compile-time metadata (CorpusJsonContext), every other type by reflection as before.
        TypeInfoResolver = JsonTypeInfoResolver.Combine(CorpusJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}
