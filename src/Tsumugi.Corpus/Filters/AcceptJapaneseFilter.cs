using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>HojiChar AcceptJapanese: keep iff a hiragana/katakana [ぁ-んァ-ン] occurs in the first <c>lookup_size</c> chars.</summary>
public sealed class AcceptJapaneseFilter(int lookupSize = 50) : IPipelineStep
{
    public string Name => "accept_japanese";

    public string? Apply(Document doc)
    {
        var head = doc.Text.AsSpan(0, Math.Min(lookupSize, doc.Text.Length));
        foreach (char c in head)
            if (c is (>= 'ぁ' and <= 'ん') or (>= 'ァ' and <= 'ン')) return null;
        return $"no kana in the first {lookupSize} chars";
    }
}
