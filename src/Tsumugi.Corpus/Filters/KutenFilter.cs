using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>HojiChar DiscardRareKuten: reject if count('。') &lt; len(text) / max_average_sentence_length.</summary>
public sealed class KutenFilter(double maxAverageSentenceLength = 100) : IPipelineStep
{
    public string Name => "kuten";

    public string? Apply(Document doc)
    {
        int kuten = doc.Text.AsSpan().Count('。');
        double needed = doc.Text.Length / maxAverageSentenceLength;
        return kuten < needed ? $"{kuten} '。' < {needed:F1} (average sentence > {maxAverageSentenceLength} chars)" : null;
    }
}
