using System.Text;
using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Generation.Ensemble;

namespace Tsumugi.Evaluation.Ensemble;

/// <summary>
/// <see cref="PerplexityEvaluator"/> for a Branch-Train-Merge ensemble: each token's probability is the BTM mixture
/// Σ_j p_j(x_t | x_&lt;t)·P(D=j | x_&lt;t), with the posterior built from the start of the document
/// (<see cref="BtmPosterior.Score"/>). A one-expert ensemble scores exactly as its expert does.
/// </summary>
public static class EnsemblePerplexityEvaluator
{
    public static EnsemblePerplexityResult Evaluate(ExpertEnsemble ensemble, IEnumerable<EvalDocument> documents, PerplexityOptions options,
        Action<int>? onDocumentsDone = null)
    {
        int experts = ensemble.Experts.Count;
        var scores = new List<DocumentScore>();
        var posteriorSums = new Dictionary<string, (double[] Sum, long Tokens)>(StringComparer.Ordinal);
        int skipped = 0;
        foreach (var chunk in documents.Chunk(options.DocumentsPerChunk))
        {
            var tokenScores = EnsembleTokenScores.Score(ensemble, chunk.Select(d => d.Text).ToList(), options);
            for (int i = 0; i < chunk.Length; i++)
            {
                var doc = chunk[i];
                if (tokenScores[i][0].Length == 0) { skipped++; continue; }
                var (logProbs, posteriors) = BtmPosterior.Score(tokenScores[i], ensemble.LogPrior, ensemble.TopK);
                scores.Add(new DocumentScore(doc.Source, doc.Domain, logProbs.Length, doc.Text.EnumerateRunes().Count(),
                    Encoding.UTF8.GetByteCount(doc.Text), 0, -logProbs.Sum()));
                foreach (var domain in new[] { doc.Domain, "all" }.Distinct())
                {
                    var (sum, tokens) = posteriorSums.GetValueOrDefault(domain, (new double[experts], 0));
                    foreach (var p in posteriors)
                        for (int j = 0; j < experts; j++) sum[j] += p[j];
                    posteriorSums[domain] = (sum, tokens + posteriors.Length);
                }
            }
            onDocumentsDone?.Invoke(chunk.Length);
        }
        var domains = scores.GroupBy(s => s.Domain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Select(s => new DomainPerplexity(g.Key, 1, s.Tokens, s.Characters, s.Bytes, s.NllNats)).Aggregate((a, b) => a.Add(b)))
            .ToList();
        if (domains.Count > 1 && domains.All(d => d.Domain != "all"))
            domains.Add(domains.Aggregate((a, b) => a.Add(b)) with { Domain = "all" });
        var names = domains.Select(d => d.Domain).ToHashSet(StringComparer.Ordinal);
        var mean = posteriorSums.Where(kv => names.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value.Sum.Select(s => s / Math.Max(1, kv.Value.Tokens)).ToArray(), StringComparer.Ordinal);
        return new EnsemblePerplexityResult(new PerplexityResult(domains, scores, skipped), ensemble.ExpertNames, mean);
    }
}
