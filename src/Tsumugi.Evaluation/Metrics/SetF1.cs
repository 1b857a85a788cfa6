namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// llm-jp-eval's <c>set_f1</c> for list answers (entity/NER-style tasks): gold and prediction are split on "\n" and
/// each item stripped; prediction items form a set. precision = |pred items in gold| / |pred set|,
/// recall = |pred items in gold| / |gold items|, F1 = harmonic mean, or 0 when nothing matches. As in llm-jp-eval,
/// items are not filtered, so an empty prediction matches only an empty gold answer.
/// </summary>
public static class SetF1
{
    public static double Score(string prediction, string gold)
    {
        var goldItems = gold.Split('\n').Select(s => s.Trim()).ToList();
        var predItems = prediction.Split('\n').Select(s => s.Trim()).Distinct(StringComparer.Ordinal).ToList();
        int hits = predItems.Count(goldItems.Contains);
        if (hits == 0) return 0;
        double precision = (double)hits / predItems.Count, recall = (double)hits / goldItems.Count;
        return 2 * precision * recall / (precision + recall);
    }
}
