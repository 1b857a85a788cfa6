using System.Text.RegularExpressions;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// Rejects documents with more than <c>max_hits</c> non-overlapping matches of a pattern: HojiChar DiscardAds
/// (advertisement keywords) and DiscardBBSComments (dates, コメント, 投稿, ページ, "-", …) and NG-word lists.
/// </summary>
public sealed class KeywordCountFilter(string name, Regex pattern, int maxHits) : IPipelineStep
{
    public string Name => name;

    public string? Apply(Document doc)
    {
        int hits = 0;
        foreach (var _ in pattern.EnumerateMatches(doc.Text))
            if (++hits > maxHits) return $"more than {maxHits} keyword hits";
        return null;
    }

    /// <summary>HojiChar's BBS pattern (hojichar/filters/document_filters.py, DiscardBBSComments).</summary>
    public static Regex BbsPattern { get; } = new(
        @"\d{4}[年\.\-\/][\ ]*\d{1,2}[月\.\-\/][\ ]*\d{1,2}[日]*|コメント|SOLD OUT|レビュー|投稿|ページ|\([月火水木金土日]\)|質問|\d+話|楽天市場|-",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Common Japanese advertising / shop phrases; point <c>keywords_file</c> at your own list to replace them.</summary>
    public static IReadOnlyList<string> DefaultAdKeywords { get; } =
    [
        "お問い合わせください", "お問い合わせはこちら", "営業時間", "定休日", "送料無料", "送料", "税込", "税抜", "販売価格",
        "在庫", "カートに入れる", "ご購入", "ポイント還元", "クーポン", "キャンペーン", "今すぐ", "お申し込み", "求人情報",
        "応募資格", "勤務地", "時給", "よくある質問", "会員登録", "プレゼント", "セール", "激安", "最安値", "無料体験",
        "資料請求", "予約受付",
    ];

    /// <summary>An alternation of literal keywords (longest first, so a longer keyword is not shadowed by its prefix).</summary>
    public static Regex LiteralPattern(IEnumerable<string> keywords, bool ignoreCase = false)
    {
        var words = keywords.Select(k => k.Trim()).Where(k => k.Length > 0).Distinct().ToList();
        if (words.Count == 0) return new Regex("(?!)");
        var pattern = string.Join("|", words.Select(Regex.Escape));
        // Compiling a regex costs tens of milliseconds and every shard builds its own steps: share them (Regex is thread-safe).
        return Cache.GetOrAdd((pattern, ignoreCase), static k =>
            new Regex(k.Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant | (k.IgnoreCase ? RegexOptions.IgnoreCase : 0)));
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Pattern, bool IgnoreCase), Regex> Cache = new();
}
