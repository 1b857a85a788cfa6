namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// llm-jp-eval's <c>char_f1</c>: rapidfuzz <c>fuzz.token_sort_ratio(pred, gold) / 100</c> with no preprocessing.
/// Whitespace-separated tokens are sorted and re-joined with one space, then the Indel similarity
/// 2·LCS/(|a|+|b|) is taken over Unicode code points. Japanese text has no spaces, so it is a plain Levenshtein-style
/// ratio of the two strings, not a bag-of-characters F1. Two empty strings score 1.
/// </summary>
public static class CharF1
{
    public static double Score(string prediction, string gold)
    {
        var a = SortTokens(prediction);
        var b = SortTokens(gold);
        if (a.Length + b.Length == 0) return 1;
        return 2.0 * Lcs.Length(a, b) / (a.Length + b.Length);
    }

    /// <summary>Python's <c>" ".join(sorted(s.split()))</c> as code points (ordinal order = Python's code-point order).</summary>
    static int[] SortTokens(string text)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.EnumerateRunes().Select(r => r.Value).ToArray())
            .Order(CodePointComparer.Instance);
        return string.Join(' ', tokens.Select(t => string.Concat(t.Select(char.ConvertFromUtf32))))
            .EnumerateRunes().Select(r => r.Value).ToArray();
    }

    sealed class CodePointComparer : IComparer<int[]>
    {
        public static readonly CodePointComparer Instance = new();
        public int Compare(int[]? x, int[]? y) => x!.AsSpan().SequenceCompareTo(y);
    }
}
