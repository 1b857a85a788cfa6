using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>HojiChar DiscardTooShortLines: reject if the fraction of lines of ≤ max_line_chars chars exceeds max_ratio (menus, breadcrumb lists).</summary>
public sealed class ShortLinesFilter(double maxRatio = 0.5, int maxLineChars = 10) : IPipelineStep
{
    public string Name => "short_lines";

    public string? Apply(Document doc)
    {
        int lines = 0, shortLines = 0;
        foreach (var range in doc.Text.AsSpan().Split('\n'))
        {
            lines++;
            if (range.End.Value - range.Start.Value <= maxLineChars) shortLines++;
        }
        double r = (double)shortLines / lines;
        return r > maxRatio ? $"short-line ratio {r:F3} > {maxRatio}" : null;
    }
}
