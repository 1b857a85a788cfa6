using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Text;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// Gopher repetition rules (Rae et al. Table A1) as Swallow applies them to Japanese (quality.py): duplicate
/// line/paragraph fractions (count and characters), top 2/3/4-gram fraction (top count / total) and duplicate
/// 5…10-gram fraction (distinct n-grams seen more than once / distinct n-grams), all over characters.
/// </summary>
public sealed class GopherRepetitionFilter : IPipelineStep
{
    public double MaxDuplicateLines { get; init; } = 0.30;
    public double MaxDuplicateLineChars { get; init; } = 0.20;
    public double MaxDuplicateParagraphs { get; init; } = 0.30;
    public double MaxDuplicateParagraphChars { get; init; } = 0.20;
    public double[] MaxTopNGram { get; init; } = [0.20, 0.18, 0.16];                 // n = 2, 3, 4
    public double[] MaxDuplicateNGram { get; init; } = [0.15, 0.14, 0.13, 0.12, 0.11, 0.10]; // n = 5 … 10

    readonly NGramCounter _counter = new();
    readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public string Name => "gopher_repetition";

    public string? Apply(Document doc)
    {
        var text = doc.Text;
        if (Duplicates(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), text.Length, out var lf, out var lc))
        {
            if (lf > MaxDuplicateLines) return $"duplicate-line fraction {lf:F3} > {MaxDuplicateLines}";
            if (lc > MaxDuplicateLineChars) return $"duplicate-line char fraction {lc:F3} > {MaxDuplicateLineChars}";
        }
        var paragraphs = System.Text.RegularExpressions.Regex.Split(text, @"\n{2,}");
        if (Duplicates(paragraphs, text.Length, out var pf, out var pc))
        {
            if (pf > MaxDuplicateParagraphs) return $"duplicate-paragraph fraction {pf:F3} > {MaxDuplicateParagraphs}";
            if (pc > MaxDuplicateParagraphChars) return $"duplicate-paragraph char fraction {pc:F3} > {MaxDuplicateParagraphChars}";
        }
        for (int i = 0; i < MaxTopNGram.Length; i++)
        {
            int n = i + 2;
            _counter.CountChars(text, n);
            if (_counter.Total == 0) break;
            double top = (double)_counter.MaxCount() / _counter.Total;
            if (top > MaxTopNGram[i]) return $"top {n}-gram fraction {top:F3} > {MaxTopNGram[i]}";
        }
        for (int i = 0; i < MaxDuplicateNGram.Length; i++)
        {
            int n = i + 5;
            _counter.CountChars(text, n);
            if (_counter.Counts.Count == 0) break;
            int dup = 0;
            foreach (var c in _counter.Counts.Values) if (c > 1) dup++;
            double f = (double)dup / _counter.Counts.Count;
            if (f > MaxDuplicateNGram[i]) return $"duplicate {n}-gram fraction {f:F3} > {MaxDuplicateNGram[i]}";
        }
        return null;
    }

    bool Duplicates(string[] parts, int totalChars, out double fraction, out double charFraction)
    {
        fraction = charFraction = 0;
        if (parts.Length == 0 || totalChars == 0) return false;
        _seen.Clear();
        int dup = 0;
        long dupChars = 0;
        foreach (var p in parts)
        {
            if (p.Length == 0) continue;
            if (!_seen.Add(p)) { dup++; dupChars += p.Length; }
        }
        fraction = (double)dup / parts.Length;
        charFraction = (double)dupChars / totalChars;
        return true;
    }
}
