using Tsumugi.Evaluation.Perplexity;

namespace Tsumugi.Evaluation.Ensemble;

/// <summary>
/// Perplexity of an ensemble (<see cref="PerplexityResult"/>, per domain and document) plus, per domain, each expert's
/// mean posterior P(D=j | x_&lt;t) over the scored tokens: which expert the mixture leaned on for that text.
/// </summary>
public sealed record EnsemblePerplexityResult(
    PerplexityResult Perplexity,
    IReadOnlyList<string> Experts,
    IReadOnlyDictionary<string, double[]> MeanPosteriorByDomain)
{
    /// <summary><see cref="PerplexityResult.Metrics"/> plus <c>posterior/DOMAIN/EXPERT</c>.</summary>
    public Dictionary<string, double> Metrics()
    {
        var metrics = Perplexity.Metrics();
        foreach (var (domain, posterior) in MeanPosteriorByDomain)
            for (int j = 0; j < Experts.Count; j++) metrics[$"posterior/{domain}/{Experts[j]}"] = posterior[j];
        return metrics;
    }
}
