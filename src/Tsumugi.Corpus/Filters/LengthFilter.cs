using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>HojiChar DocumentLengthFilter: reject outside [min, max] characters (0 = no bound).</summary>
public sealed class LengthFilter(int minChars = 200, int maxChars = 50_000) : IPipelineStep
{
    public string Name => "length";

    public string? Apply(Document doc)
    {
        int n = doc.Text.Length;
        if (minChars > 0 && n < minChars) return $"{n} chars < min_chars {minChars}";
        if (maxChars > 0 && n > maxChars) return $"{n} chars > max_chars {maxChars}";
        return null;
    }
}
