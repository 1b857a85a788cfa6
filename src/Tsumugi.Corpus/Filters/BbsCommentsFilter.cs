using System.Buffers;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// HojiChar DiscardBBSComments: more than <c>max_hits</c> non-overlapping matches of
/// <see cref="KeywordCountFilter.BbsPattern"/> → reject. The pattern is matched by hand (same leftmost-first
/// alternation, same greedy digit runs): the regex spent most of its time on '-' and digit candidates, this jumps
/// between candidate characters with a vectorised search and allocates nothing.
/// </summary>
public sealed class BbsCommentsFilter(int maxHits = 14) : IPipelineStep
{
    public string Name => "bbs";

    public string? Apply(Document doc) =>
        Count(doc.Text, maxHits + 1) > maxHits ? $"more than {maxHits} keyword hits" : null;

    // First characters of the alternatives, ASCII digits for \d (other Unicode digits are checked separately).
    static readonly SearchValues<char> Starts = SearchValues.Create("0123456789コSレ投ペ(質楽-");

    /// <summary>Matches of the BBS pattern in <paramref name="text"/>, counting stops at <paramref name="limit"/>.</summary>
    public static int Count(ReadOnlySpan<char> text, int limit = int.MaxValue)
    {
        // Text without non-ASCII digits can jump straight to candidates; otherwise test every position.
        bool otherDigits = HasNonAsciiDigit(text);
        int hits = 0, i = 0;
        while (i < text.Length && hits < limit)
        {
            if (!otherDigits)
            {
                int next = text[i..].IndexOfAny(Starts);
                if (next < 0) break;
                i += next;
            }
            int len = MatchAt(text, i);
            if (len > 0) { hits++; i += len; }
            else i++;
        }
        return hits;
    }

    static bool HasNonAsciiDigit(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
            if (c > '\u007F' && char.IsDigit(c)) return true;
        return false;
    }

    /// <summary>Length of the match starting at <paramref name="i"/> (0 = none), alternatives tried in the regex's order.</summary>
    static int MatchAt(ReadOnlySpan<char> s, int i)
    {
        char c = s[i];
        if (char.IsDigit(c))
        {
            int date = DateAt(s, i);
            if (date > 0) return date;
            int d = i;
            while (d < s.Length && char.IsDigit(s[d])) d++;
            return d < s.Length && s[d] == '話' ? d + 1 - i : 0;  // \d+話
        }
        var rest = s[i..];
        if (rest.StartsWith("コメント")) return 4;
        if (rest.StartsWith("SOLD OUT")) return 8;
        if (rest.StartsWith("レビュー")) return 4;
        if (rest.StartsWith("投稿")) return 2;
        if (rest.StartsWith("ページ")) return 3;
        if (c == '(' && rest.Length >= 3 && rest[2] == ')' && "月火水木金土日".Contains(rest[1])) return 3;
        if (rest.StartsWith("質問")) return 2;
        if (rest.StartsWith("楽天市場")) return 4;
        return c == '-' ? 1 : 0;
    }

    static bool Sep(char c, char kanji) => c == kanji || c is '.' or '-' or '/';

    // \d{4}[年.\-/][ ]*\d{1,2}[月.\-/][ ]*\d{1,2}[日]*
    static int DateAt(ReadOnlySpan<char> s, int i)
    {
        int p = i;
        for (int k = 0; k < 4; k++, p++) if (p >= s.Length || !char.IsDigit(s[p])) return 0;
        if (p >= s.Length || !Sep(s[p], '年')) return 0;
        p++;
        while (p < s.Length && s[p] == ' ') p++;
        // \d{1,2} followed by a separator: the separator is not a digit, so only the full run of 1–2 digits can work.
        int d = p;
        while (d < s.Length && d - p < 2 && char.IsDigit(s[d])) d++;
        if (d == p || d >= s.Length || !Sep(s[d], '月')) return 0;
        p = d + 1;
        while (p < s.Length && s[p] == ' ') p++;
        d = p;
        while (d < s.Length && d - p < 2 && char.IsDigit(s[d])) d++;
        if (d == p) return 0;
        while (d < s.Length && s[d] == '日') d++;
        return d - i;
    }
}
