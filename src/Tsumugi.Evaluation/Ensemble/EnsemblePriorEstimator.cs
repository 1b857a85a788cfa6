using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Generation.Ensemble;

namespace Tsumugi.Evaluation.Ensemble;

/// <summary>
/// The cached domain prior of BTM, estimated on held-out documents when an ensemble is built: each expert's
/// log-likelihood of each whole document, folded into an exponential moving average of the document posteriors
/// (<see cref="BtmPosterior.EmaPrior"/>). Documents are taken in the order given, at most <c>maxDocuments</c>.
/// </summary>
public static class EnsemblePriorEstimator
{
    /// <summary>The smallest P(D=j) written: any text strongly enough in an expert's domain can still select it.</summary>
    public const double MinPrior = 1e-6;

    public static (double[] Prior, int Documents) Estimate(ExpertEnsemble ensemble, IEnumerable<EvalDocument> documents, PerplexityOptions options,
        double emaRate, int maxDocuments)
    {
        var likelihoods = new List<double[]>();
        foreach (var chunk in documents.Take(maxDocuments).Chunk(options.DocumentsPerChunk))
        {
            var scores = EnsembleTokenScores.Score(ensemble, chunk.Select(d => d.Text).ToList(), options);
            likelihoods.AddRange(scores.Where(s => s[0].Length > 0).Select(s => s.Select(expert => expert.Sum()).ToArray()));
        }
        var prior = BtmPosterior.EmaPrior(likelihoods, ensemble.Experts.Count, emaRate);
        // The EMA decays an expert no document chose geometrically; after thousands of documents that underflows to 0,
        // and a zero prior would shut the expert out for good, so it keeps a floor. Then normalise so the manifest sums to 1.
        prior = prior.Select(p => Math.Max(p, MinPrior)).ToArray();
        var total = prior.Sum();
        return (prior.Select(p => p / total).ToArray(), likelihoods.Count);
    }
}
