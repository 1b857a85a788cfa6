namespace Tsumugi.Evaluation.Metrics;

/// <summary>n-gram multisets of a token list (n-grams joined with U+0001, which tokens never contain).</summary>
public static class NGrams
{
    public static Dictionary<string, int> Count(IReadOnlyList<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            var gram = string.Join('\u0001', tokens.Skip(i).Take(n));
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
