namespace Tsumugi.Evaluation.Perplexity;

/// <summary>Per-domain totals (plus "all" when there are several domains), per-document scores, and skipped documents.</summary>
public sealed record PerplexityResult(IReadOnlyList<DomainPerplexity> Domains, IReadOnlyList<DocumentScore> Documents, int SkippedDocuments)
{
    /// <summary>Metric names for the result envelope: <c>ppl/ja</c>, <c>bits_per_char/ja</c>, <c>bits_per_byte/ja</c>.</summary>
    public Dictionary<string, double> Metrics()
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var d in Domains)
        {
            metrics[$"ppl/{d.Domain}"] = d.Perplexity;
            metrics[$"bits_per_char/{d.Domain}"] = d.BitsPerCharacter;
            metrics[$"bits_per_byte/{d.Domain}"] = d.BitsPerByte;
        }
        return metrics;
    }
}
