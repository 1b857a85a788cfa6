using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Text;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// HojiChar CharRepetitionRatioFilter (BigScience): char n-gram frequencies; the sum of the top ⌊√distinct⌋ counts
/// (capped by the number of n-grams seen more than once) over the total ≥ max_ratio → reject.
/// </summary>
public sealed class CharRepetitionFilter(double maxRatio = 0.33, int ngram = 5) : IPipelineStep
{
    readonly NGramCounter _counter = new();
    readonly List<int> _repeated = [];

    public string Name => "char_repetition";

    public string? Apply(Document doc)
    {
        double r = Ratio(doc.Text);
        return r >= maxRatio ? $"char {ngram}-gram repetition {r:F3} ≥ {maxRatio}" : null;
    }

    public double Ratio(string text)
    {
        _counter.CountChars(text, ngram);
        int distinct = _counter.Counts.Count;
        if (distinct == 0) return 0;
        _repeated.Clear();
        foreach (var c in _counter.Counts.Values) if (c > 1) _repeated.Add(c);
        int k = Math.Min((int)Math.Sqrt(distinct), _repeated.Count);
        if (k == 0) return 0;
        _repeated.Sort((a, b) => b.CompareTo(a));
        long top = 0;
        for (int i = 0; i < k; i++) top += _repeated[i];
        return (double)top / _counter.Total;
    }
}
