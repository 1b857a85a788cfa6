using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>HojiChar SingleCharacterRepetitionFilter: reject if any character repeats max_run or more times in a row.</summary>
public sealed class SingleCharRunFilter(int maxRun = 200) : IPipelineStep
{
    public string Name => "single_char_run";

    public string? Apply(Document doc)
    {
        var t = doc.Text.AsSpan();
        int run = 1;
        for (int i = 1; i < t.Length; i++)
        {
            run = t[i] == t[i - 1] ? run + 1 : 1;
            if (run >= maxRun) return $"'{t[i]}' repeated {maxRun}+ times";
        }
        return maxRun <= 1 && t.Length > 0 ? $"'{t[0]}' repeated" : null;
    }
}
