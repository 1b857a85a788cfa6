namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// ROUGE F-measures as Google's rouge_score computes them (0..1) over MeCab tokens, which is how llm-jp-eval's
/// <c>RougeJa</c> scores XL-Sum (rouge_score with sacrebleu's ja-mecab word tokenizer): ROUGE-N from clipped n-gram
/// overlap, P = overlap / max(prediction n-grams, 1), R = overlap / max(reference n-grams, 1); ROUGE-L from the longest
/// common subsequence; F = 2PR/(P+R), 0 when P + R = 0. llm-jp-eval reports rouge2 × 100 as the bootstrap mid of these
/// F values and its category table divides it by 100 again (rouge2_scaling); Tsumugi's task score is their plain mean
/// (the centre the bootstrap estimates; see docs/evaluation.md).
/// </summary>
public static class Rouge
{
    public static double RougeN(IReadOnlyList<string> prediction, IReadOnlyList<string> reference, int n)
    {
        var refGrams = NGrams.Count(reference, n);
        var predGrams = NGrams.Count(prediction, n);
        int overlap = predGrams.Sum(kv => Math.Min(kv.Value, refGrams.GetValueOrDefault(kv.Key)));
        return FMeasure(overlap, predGrams.Values.Sum(), refGrams.Values.Sum());
    }

    public static double RougeL(IReadOnlyList<string> prediction, IReadOnlyList<string> reference) =>
        FMeasure(Lcs.Length(prediction, reference), prediction.Count, reference.Count);

    static double FMeasure(int matches, int predictionCount, int referenceCount)
    {
        double precision = (double)matches / Math.Max(predictionCount, 1), recall = (double)matches / Math.Max(referenceCount, 1);
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    }
}
