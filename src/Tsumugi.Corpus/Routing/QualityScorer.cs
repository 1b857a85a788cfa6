using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Routing;

/// <summary>
/// A cheap quality score in [0, 1] and tier (step <c>quality</c>), so later stages can build curricula ("clean
/// Japanese at the end"). Prose: share of lines ending in sentence punctuation, few short lines, few special
/// characters, enough length. Code: RedPajama GitHub rules (max line ≤ 1000, mean line ≤ 100, alphanumeric ≥ 0.25).
/// Tiers: high ≥ high_threshold, medium ≥ medium_threshold, else low.
/// </summary>
public sealed class QualityScorer(double highThreshold = 0.7, double mediumThreshold = 0.45) : IPipelineStep
{
    public string Name => "quality";

    public string? Apply(Document doc)
    {
        double score = doc.Domain == "code" ? CodeScore(doc.Text) : ProseScore(doc.Text);
        doc.Meta["quality_score"] = Math.Round(score, 3);
        doc.Quality = score >= highThreshold ? "high" : score >= mediumThreshold ? "medium" : "low";
        return null;
    }

    public static double ProseScore(string text)
    {
        int lines = 0, ended = 0, shortLines = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var t = text.AsSpan(range.Start.Value, range.End.Value - range.Start.Value).Trim();
            if (t.Length == 0) continue;
            lines++;
            if (t.Length <= 10) shortLines++;
            if (t[^1] is '。' or '．' or '！' or '？' or '!' or '?' or '.' or '」' or '』' or ')' or '）' or ':' or '：') ended++;
        }
        if (lines == 0) return 0;
        int special = 0;
        foreach (char c in text) if (char.IsPunctuation(c) || char.IsSymbol(c)) special++;
        double specialRatio = (double)special / Math.Max(1, text.Length);
        double lengthScore = Math.Min(1, Math.Log10(Math.Max(1, text.Length)) / 3);
        return 0.35 * ended / lines + 0.25 * (1 - (double)shortLines / lines) + 0.2 * (1 - Math.Min(1, specialRatio / 0.4)) + 0.2 * lengthScore;
    }

    public static double CodeScore(string text)
    {
        int lines = 0, maxLine = 0;
        long total = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            int len = range.End.Value - range.Start.Value;
            lines++;
            total += len;
            maxLine = Math.Max(maxLine, len);
        }
        int alnum = 0;
        foreach (char c in text) if (char.IsLetterOrDigit(c)) alnum++;
        double alnumRatio = (double)alnum / Math.Max(1, text.Length);
        double mean = (double)total / Math.Max(1, lines);
        double score = 0.4;
        if (maxLine <= 1000) score += 0.2;
        if (mean <= 100) score += 0.2;
        if (alnumRatio >= 0.25) score += 0.2;
        return score;
    }
}
