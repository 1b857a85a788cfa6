using System.Text.Json;
using System.Text.Json.Serialization;

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
    };
}
