using Tsumugi.Evaluation.Scoring;

namespace Tsumugi.Evaluation.Perplexity;

/// <summary>
/// Splits a long token sequence into model-sized windows so that every token after the first (BOS) is scored exactly
/// once, as in Hugging Face's perplexity recipe: the first window scores tokens 1..context−1; each later window scores
/// the next <c>stride</c> tokens and ends on the last of them, so those tokens see at least context − stride tokens of
/// earlier text. stride must be below the context (otherwise a window's first token would have nothing to condition on).
/// </summary>
public static class SlidingWindows
{
    public static IEnumerable<ScoreRequest> Split(long[] ids, int context, int stride)
    {
        if (context < 2) throw new ArgumentException($"context must be ≥ 2 tokens (got {context}).");
        if (stride < 1 || stride >= context) throw new ArgumentException($"stride must be in 1..{context - 1} (context {context}); got {stride}.");
        if (ids.Length < 2) yield break;
        int end = Math.Min(context, ids.Length);
        yield return new ScoreRequest(ids[..end], 1);
        for (int scored = end; scored < ids.Length; scored = end)
        {
            end = Math.Min(scored + stride, ids.Length);
            int begin = end - context;
            yield return new ScoreRequest(ids[begin..end], scored - begin);
        }
    }
}
