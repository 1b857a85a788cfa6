namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// sacrebleu's <c>BLEU(effective_order=True, trg_lang=…).corpus_score([hyp], [[ref]]).score / 100</c>, as llm-jp-eval
/// scores bleu_ja / bleu_en per sample, from tokens (<see cref="MetricTokenizer"/>). sacrebleu's <c>compute_bleu</c>:
/// <list type="bullet">
/// <item>statistics for n = 1..4: clipped matches and hypothesis n-gram counts; no match at any order scores 0;</item>
/// <item>brevity penalty exp(1 − ref/hyp) when the hypothesis is shorter (0 for an empty hypothesis);</item>
/// <item>precisions in percent; an order with no hypothesis n-gram ends the loop, and with effective order only the
///   orders before it count; an order with n-grams but no match gets the "exp" smoothing 100 / (2^k · total), k counting
///   such orders so far;</item>
/// <item>score = BP · exp(mean of the log precisions), divided by 100 here.</item>
/// </list>
/// </summary>
public static class Bleu
{
    const int MaxOrder = 4;

    public static double Score(IReadOnlyList<string> hypothesis, IReadOnlyList<string> reference)
    {
        var correct = new int[MaxOrder];
        var total = new int[MaxOrder];
        for (int n = 1; n <= MaxOrder; n++)
        {
            var refCounts = NGrams.Count(reference, n);
            foreach (var (gram, count) in NGrams.Count(hypothesis, n))
            {
                total[n - 1] += count;
                correct[n - 1] += Math.Min(count, refCounts.GetValueOrDefault(gram));
            }
        }
        if (correct.All(c => c == 0)) return 0; // sacrebleu's early stop (#141)
        int sysLen = hypothesis.Count, refLen = reference.Count;
        double brevity = sysLen < refLen ? Math.Exp(1 - (double)refLen / sysLen) : 1;

        var precisions = new double[MaxOrder];
        double smooth = 1;
        int effectiveOrder = MaxOrder;
        for (int n = 1; n <= MaxOrder; n++)
        {
            if (total[n - 1] == 0) break;
            effectiveOrder = n;
            if (correct[n - 1] == 0)
            {
                smooth *= 2;
                precisions[n - 1] = 100.0 / (smooth * total[n - 1]);
            }
            else precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
        }
        return brevity * Math.Exp(precisions.Take(effectiveOrder).Sum(Math.Log) / effectiveOrder) / 100;
    }
}
