using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Generation.Ensemble;

namespace Tsumugi.Evaluation.Ensemble;

/// <summary>
/// Every expert's log p(x_t | x_&lt;t) for every scored token of each document (BOS + text, split into the same
/// <see cref="SlidingWindows"/> as single-model perplexity, scored by <see cref="BatchScorer"/>): the input of the BTM
/// posterior, which needs each expert's likelihood of the whole context, not only of the window.
/// </summary>
public static class EnsembleTokenScores
{
    /// <summary>[document][expert][token]; a document with nothing to score (BOS alone) has zero-length rows.</summary>
    public static double[][][] Score(ExpertEnsemble ensemble, IReadOnlyList<string> texts, PerplexityOptions options)
    {
        var encoded = texts.Select(ensemble.Encode).ToArray();
        var windows = encoded.Select(ids => SlidingWindows.Split(ids, options.Context, options.Stride).ToList()).ToArray();
        var flat = windows.SelectMany(w => w).ToList();
        var perExpert = ensemble.Experts.Select(e => BatchScorer.Score(e.Model, flat, options.BatchSize)).ToArray();
        var result = new double[texts.Count][][];
        int next = 0;
        for (int d = 0; d < texts.Count; d++)
        {
            int count = windows[d].Count;
            result[d] = perExpert.Select(scores => scores[next..(next + count)].SelectMany(w => w).ToArray()).ToArray();
            next += count;
        }
        return result;
    }
}
