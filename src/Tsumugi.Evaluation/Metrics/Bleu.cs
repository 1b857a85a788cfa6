namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// sacrebleu-compatible BLEU (<c>BLEU(effective_order=True)</c>, default "exp" smoothing, one reference) on 0..1:
/// clipped n-gram precisions for n = 1..4, the geometric mean over the orders the hypothesis has n-grams for
/// (effective order), an n-gram order with no match contributes 1/(2^k · total) with k counting such orders, and the
/// brevity penalty exp(1 − ref/hyp) when the hypothesis is shorter. Tokens come from <see cref="MetricTokenizer"/>.
/// </summary>
public static class Bleu
{
    const int MaxOrder = 4;

    public static double Score(IReadOnlyList<string> hypothesis, IReadOnlyList<string> reference)
    {
        var correct = new double[MaxOrder];
        var total = new double[MaxOrder];
        for (int n = 1; n <= MaxOrder; n++)
        {
            var refCounts = NGrams.Count(reference, n);
            foreach (var (gram, count) in NGrams.Count(hypothesis, n))
                correct[n - 1] += Math.Min(count, refCounts.GetValueOrDefault(gram));
            total[n - 1] = Math.Max(0, hypothesis.Count - n + 1);
        }
        var precisions = new double[MaxOrder];
        int effectiveOrder = MaxOrder;
        double smooth = 1;
        for (int n = 1; n <= MaxOrder; n++)
        {
            if (total[n - 1] == 0) break;
            effectiveOrder = n;
            if (correct[n - 1] == 0)
            {
                smooth *= 2;
                precisions[n - 1] = 1 / (smooth * total[n - 1]);
            }
            else precisions[n - 1] = correct[n - 1] / total[n - 1];
        }
        double brevity = hypothesis.Count >= reference.Count ? 1
            : hypothesis.Count > 0 ? Math.Exp(1 - (double)reference.Count / hypothesis.Count) : 0;
        if (brevity == 0 || precisions.Take(effectiveOrder).Any(p => p == 0)) return 0;
        return brevity * Math.Exp(precisions.Take(effectiveOrder).Sum(Math.Log) / effectiveOrder);
    }
}
