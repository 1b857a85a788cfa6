using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Text;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// HojiChar WordRepetitionRatioFilter: Σ counts of word n-grams seen more than once / Σ all counts ≥ max_ratio →
/// reject. Words are <see cref="PseudoWords"/> (script runs) instead of fugashi/MeCab morphemes.
/// </summary>
public sealed class WordRepetitionFilter(double maxRatio = 0.40, int ngram = 7) : IPipelineStep
{
    readonly NGramCounter _counter = new();
    readonly List<ulong> _words = [];

    public string Name => "word_repetition";

    public string? Apply(Document doc)
    {
        PseudoWords.Split(doc.Text, _words);
        if (_words.Count < ngram) return null;
        _counter.CountTokens(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_words), ngram);
        long repeated = 0;
        foreach (var c in _counter.Counts.Values) if (c > 1) repeated += c;
        double r = (double)repeated / _counter.Total;
        return r >= maxRatio ? $"word {ngram}-gram repetition {r:F3} ≥ {maxRatio}" : null;
    }
}
