using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>HojiChar DiscardTooManyEndingEllipsis: lines ending in "..." or "…" / max(#newlines, 1) &gt; max_ratio → reject.</summary>
public sealed class EndingEllipsisFilter(double maxRatio = 0.7) : IPipelineStep
{
    public string Name => "ending_ellipsis";

    public string? Apply(Document doc)
    {
        var t = doc.Text.AsSpan();
        int newlines = 0, ellipsis = 0;
        for (int i = t.IndexOf('\n'); i >= 0; )
        {
            newlines++;
            if ((i >= 1 && t[i - 1] == '…') || (i >= 3 && t[i - 1] == '.' && t[i - 2] == '.' && t[i - 3] == '.')) ellipsis++;
            int next = t[(i + 1)..].IndexOf('\n');
            i = next < 0 ? -1 : i + 1 + next;
        }
        double r = (double)ellipsis / Math.Max(newlines, 1);
        return r > maxRatio ? $"ending-ellipsis ratio {r:F3} > {maxRatio}" : null;
    }
}
