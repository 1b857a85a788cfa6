namespace Tsumugi.Generation.Ensemble;

/// <summary>
/// The Branch-Train-Merge ensemble's arithmetic (Li et al. 2022, arXiv 2208.03306), in log space so long contexts
/// never underflow: the domain posterior P(D=j | x_&lt;t) ∝ p(x_&lt;t | D=j)·P(D=j), where p(x_&lt;t | D=j) is expert j's
/// likelihood of the context so far; only the <c>top_k</c> most probable experts keep mass; the next-token
/// probability is Σ_j p(x_t | x_&lt;t, D=j)·P(D=j | x_&lt;t).
/// </summary>
public static class BtmPosterior
{
    /// <summary>
    /// P(D=j | context) from log P(D=j) and each expert's cumulative log-likelihood of the context: the top
    /// <paramref name="topK"/> experts (ties: the lower index) renormalised, every other expert exactly 0.
    /// </summary>
    public static double[] Posterior(IReadOnlyList<double> logPrior, IReadOnlyList<double> contextLogLikelihood, int topK)
    {
        int n = logPrior.Count;
        if (contextLogLikelihood.Count != n) throw new ArgumentException($"{contextLogLikelihood.Count} likelihoods for {n} experts");
        if (topK < 1 || topK > n) throw new ArgumentException($"top_k must be in 1..{n} (got {topK})");
        var score = new double[n];
        for (int j = 0; j < n; j++) score[j] = logPrior[j] + contextLogLikelihood[j];
        var kept = Enumerable.Range(0, n).OrderByDescending(j => score[j]).ThenBy(j => j).Take(topK).ToArray();
        double max = kept.Max(j => score[j]);
        var posterior = new double[n];
        if (double.IsNegativeInfinity(max))
        {
            // Every kept expert gives the context probability 0 (or prior 0): fall back to an even split rather than NaN.
            foreach (var j in kept) posterior[j] = 1.0 / kept.Length;
            return posterior;
        }
        double total = 0;
        foreach (var j in kept) total += posterior[j] = Math.Exp(score[j] - max);
        foreach (var j in kept) posterior[j] /= total;
        return posterior;
    }

    /// <summary>log Σ_j posterior_j · exp(expertLogProbs_j): the mixture's log-probability of one token.</summary>
    public static double MixtureLogProb(IReadOnlyList<double> posterior, IReadOnlyList<double> expertLogProbs)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < posterior.Count; j++)
            if (posterior[j] > 0) max = Math.Max(max, expertLogProbs[j]);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        for (int j = 0; j < posterior.Count; j++)
            if (posterior[j] > 0) sum += posterior[j] * Math.Exp(expertLogProbs[j] - max);
        return max + Math.Log(sum);
    }

    /// <summary>
    /// Scores one document token by token: <paramref name="expertTokenLogProbs"/>[j][t] is expert j's log p(x_t | x_&lt;t)
    /// for the document's scored tokens in order. Returns the mixture's log-probability of each token and the posterior
    /// used for each (the posterior of token t conditions on tokens before t only).
    /// </summary>
    public static (double[] LogProbs, double[][] Posteriors) Score(IReadOnlyList<double[]> expertTokenLogProbs, IReadOnlyList<double> logPrior, int topK)
    {
        int n = expertTokenLogProbs.Count, tokens = n == 0 ? 0 : expertTokenLogProbs[0].Length;
        if (expertTokenLogProbs.Any(e => e.Length != tokens)) throw new ArgumentException("every expert must score the same tokens");
        var cumulative = new double[n];
        var logProbs = new double[tokens];
        var posteriors = new double[tokens][];
        var row = new double[n];
        for (int t = 0; t < tokens; t++)
        {
            var posterior = posteriors[t] = Posterior(logPrior, cumulative, topK);
            for (int j = 0; j < n; j++) row[j] = expertTokenLogProbs[j][t];
            logProbs[t] = MixtureLogProb(posterior, row);
            for (int j = 0; j < n; j++) cumulative[j] += row[j];
        }
        return (logProbs, posteriors);
    }

    /// <summary>
    /// The paper's cached prior: starting from uniform, an exponential moving average over held-out documents of each
    /// document's domain posterior under a uniform prior (softmax of the experts' log-likelihoods of the whole document):
    /// prior ← (1 − rate)·prior + rate·posterior(document).
    /// </summary>
    public static double[] EmaPrior(IEnumerable<IReadOnlyList<double>> documentLogLikelihoods, int experts, double rate)
    {
        if (rate <= 0 || rate > 1) throw new ArgumentException($"the prior EMA rate must be in (0, 1] (got {rate})");
        var prior = Enumerable.Repeat(1.0 / experts, experts).ToArray();
        var uniform = new double[experts];
        foreach (var logLikelihood in documentLogLikelihoods)
        {
            var posterior = Posterior(uniform, logLikelihood, experts);
            for (int j = 0; j < experts; j++) prior[j] = (1 - rate) * prior[j] + rate * posterior[j];
        }
        return prior;
    }
}
