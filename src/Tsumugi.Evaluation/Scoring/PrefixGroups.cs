namespace Tsumugi.Evaluation.Scoring;

/// <summary>Requests that start with the same <see cref="Prefix"/> tokens, to be scored over one computation of that prefix.</summary>
public sealed record PrefixGroup(int[] Rows, int Prefix);

/// <summary>
/// Finds requests that share a token prefix: the choices of one multiple-choice question (same context, different
/// continuations), and questions of one task (same instruction and few-shot examples). Requests are sorted
/// lexicographically by ids, so rows with a common prefix sit next to each other, and cut greedily into groups of at
/// most <c>maxRows</c>. A group's prefix is the longest one all its rows share, ending before the first scored token of
/// any of them (its last position must still be computed with the row, to predict that token).
/// </summary>
public static class PrefixGroups
{
    /// <summary>Below this many shared tokens a second forward pass costs more than it saves.</summary>
    public const int MinPrefix = 8;

    /// <summary>Groups of ≥ 2 rows sharing ≥ <see cref="MinPrefix"/> tokens, and the rows left over (in request order).</summary>
    public static (List<PrefixGroup> Groups, List<int> Single) Find(IReadOnlyList<ScoreRequest> requests, int maxRows)
    {
        var groups = new List<PrefixGroup>();
        var single = new List<int>();
        if (maxRows < 2) return (groups, Enumerable.Range(0, requests.Count).ToList());
        var order = Enumerable.Range(0, requests.Count).ToArray();
        Array.Sort(order, (a, b) => Compare(requests[a].Ids, requests[b].Ids));
        for (int start = 0; start < order.Length;)
        {
            var first = requests[order[start]];
            int prefix = first.ScoreFrom - 1, end = start + 1;
            while (end < order.Length && end - start < maxRows)
            {
                var next = requests[order[end]];
                int shared = Math.Min(Math.Min(prefix, next.ScoreFrom - 1), CommonPrefix(first.Ids, next.Ids));
                if (shared < MinPrefix) break;
                prefix = shared;
                end++;
            }
            if (end - start >= 2) groups.Add(new PrefixGroup(order[start..end], prefix));
            else single.Add(order[start]);
            start = end;
        }
        single.Sort();
        return (groups, single);
    }

    static int CommonPrefix(long[] a, long[] b) => a.AsSpan().CommonPrefixLength(b);

    static int Compare(long[] a, long[] b)
    {
        int common = CommonPrefix(a, b);
        if (common < a.Length && common < b.Length) return a[common].CompareTo(b[common]);
        return a.Length.CompareTo(b.Length);
    }
}
