namespace Tsumugi.Evaluation.Metrics;

/// <summary>Longest common subsequence length (two-row dynamic programme), shared by char_f1 and ROUGE-L.</summary>
public static class Lcs
{
    public static int Length<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) where T : IEquatable<T>
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (int i = 1; i <= a.Count; i++)
        {
            for (int j = 1; j <= b.Count; j++)
                current[j] = a[i - 1].Equals(b[j - 1]) ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
