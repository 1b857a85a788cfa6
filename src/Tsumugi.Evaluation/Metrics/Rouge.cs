namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// ROUGE F-measures as Google's rouge_score computes them (0..1), over <see cref="MetricTokenizer"/> tokens:
/// ROUGE-2 from clipped bigram overlap, ROUGE-L from the longest common subsequence; F = 2PR/(P+R), 0 when either is 0.
/// </summary>
public static class Rouge
{
    public static double Rouge2(IReadOnlyList<string> prediction, IReadOnlyList<string> reference)
    {
        var refGrams = NGrams.Count(reference, 2);
        var predGrams = NGrams.Count(prediction, 2);
        int overlap = predGrams.Sum(kv => Math.Min(kv.Value, refGrams.GetValueOrDefault(kv.Key)));
        return FMeasure(overlap, predGrams.Values.Sum(), refGrams.Values.Sum());
    }

    public static double RougeL(IReadOnlyList<string> prediction, IReadOnlyList<string> reference) =>
        FMeasure(Lcs.Length(prediction, reference), prediction.Count, reference.Count);

    static double FMeasure(int matches, int predictionCount, int referenceCount)
    {
        if (matches == 0 || predictionCount == 0 || referenceCount == 0) return 0;
        double precision = (double)matches / predictionCount, recall = (double)matches / referenceCount;
        return 2 * precision * recall / (precision + recall);
    }
}
