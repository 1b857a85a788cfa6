using System.Text;
using Tsumugi.Corpus.Filters;
using Tsumugi.Corpus.Html;
using Tsumugi.Corpus.Normalization;

namespace Tsumugi.Corpus.Tests;

/// <summary>The hand-written fast paths give exactly what the reference (ICU NFKC, the BBS regex) gives.</summary>
public class FastPathTests
{
    /// <summary>Random text mixing table characters with ones that force ICU (combining marks, half-width kana, Hangul jamo, Greek, surrogates).</summary>
    static string RandomText(Random rng, int length, bool tableOnly)
    {
        (char From, char To)[] tableRanges =
        [
            (' ', '~'), ('\u00A0', '\u02FF'), ('\u2000', '\u2BFF'), ('\u3000', '\u30FF'), ('\u3200', '\u33FF'),
            ('\u4E00', '\u9FFF'), ('\uF900', '\uFAFF'), ('\uFF01', '\uFF60'), ('\uFFE0', '\uFFEE'), ('\n', '\n'),
        ];
        (char From, char To)[] otherRanges = [('\u0300', '\u036F'), ('\u3099', '\u309C'), ('\uFF61', '\uFF9F'), ('\u1100', '\u11FF'), ('\u3130', '\u318F'), ('\u0370', '\u03FF'), ('\uAC00', '\uAC10')];
        var sb = new StringBuilder();
        while (sb.Length < length)
        {
            var ranges = tableOnly || rng.Next(40) > 0 ? tableRanges : otherRanges;
            var (from, to) = ranges[rng.Next(ranges.Length)];
            char c = (char)rng.Next(from, to + 1);
            if (tableOnly && !FastNfkc.IsTableChar(c)) continue;
            sb.Append(c);
        }
        if (!tableOnly && rng.Next(4) == 0) sb.Append("\uD83D\uDE00");
        return sb.ToString();
    }

    [Fact]
    public void FastNfkc_EqualsIcu_OnRandomText()
    {
        var rng = new Random(11);
        int changed = 0;
        for (int n = 0; n < 3000; n++)
        {
            var text = RandomText(rng, rng.Next(1, 200), tableOnly: n % 2 == 0);
            var expected = text.Normalize(NormalizationForm.FormKC);
            var actual = FastNfkc.Normalize(text);
            Assert.True(expected == actual, $"NFKC differs for {string.Join(" ", text.Select(c => ((int)c).ToString("X4")))}");
            if (actual != text) changed++;
        }
        Assert.True(changed > 1000, $"only {changed} texts changed: the test does not exercise the mapping");
    }

    [Fact]
    public void FastNfkc_EqualsIcu_WhenOddCharactersSitInsideLongJapaneseRuns()
    {
        // Long runs take the 16-at-a-time path; the odd characters land at every offset around its boundaries.
        var rng = new Random(12);
        for (int n = 0; n < 1500; n++)
        {
            var sb = new StringBuilder(CorpusFiles.JapaneseArticle(n, 4));
            for (int k = rng.Next(0, 4); k > 0; k--)
            {
                int at = rng.Next(sb.Length + 1);
                if (at > 0 && char.IsHighSurrogate(sb[at - 1])) at--;  // never split a surrogate pair
                sb.Insert(at, RandomText(rng, rng.Next(1, 3), tableOnly: n % 3 != 0));
            }
            var text = sb.ToString();
            Assert.True(text.Normalize(NormalizationForm.FormKC) == FastNfkc.Normalize(text), $"NFKC differs for text {n}");
        }
    }

    [Fact]
    public void FastNfkc_KnownMappings_AndNoCopyWhenNormal()
    {
        Assert.Equal("ABC123!", FastNfkc.Normalize("ＡＢＣ１２３！"));
        Assert.Equal("平成...", FastNfkc.Normalize("㍻…"));
        Assert.Equal("ガ", FastNfkc.Normalize("ｶﾞ"));              // half-width + voiced mark: composed (ICU path)
        Assert.Equal("가", FastNfkc.Normalize("\u1100\u1161"));     // conjoining jamo (ICU path)
        const string normal = "日本語の文章です。ASCII too.";
        Assert.Same(normal, FastNfkc.Normalize(normal));
        Assert.True(FastNfkc.IsTableChar('あ') && FastNfkc.IsTableChar('Ａ'));
        Assert.False(FastNfkc.IsTableChar('\u3099') || FastNfkc.IsTableChar('ｶ'));
    }

    [Fact]
    public void FastNfkc_EqualsIcu_OnTheSharedCorpus()
    {
        var dir = Path.Combine(RepoPaths.SharedCorpus, "ja");
        if (!Directory.Exists(dir)) return;  // the shared corpus is optional for this test; the random texts cover the logic
        var extractor = new HtmlExtractor();
        foreach (var file in Directory.EnumerateFiles(dir, "*.html", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(60))
        {
            var text = extractor.Extract(File.ReadAllText(file)).Text;
            Assert.True(text.Normalize(NormalizationForm.FormKC) == FastNfkc.Normalize(text), file);
        }
    }

    static readonly string[] BbsPieces =
    [
        "2024年1月2日", "2024年 12月 31日日", "2024/1/2", "2024-01-02", "1999.9.9", "20245年1月", "2024年123月", "2024年1", "2024年1月",
        "コメント", "コメン", "SOLD OUT", "SOLD  OUT", "レビュー", "投稿", "ページ", "(月)", "(火", "(祝)", "質問", "12話", "話", "3話",
        "楽天市場", "-", "--", "١٢٣٤年١月٢日", "٣話", "１２話", "テキスト", "本文です。", " ", "\n", "0", "12", "2024",
    ];

    [Fact]
    public void BbsCounter_EqualsTheRegex_OnRandomCombinations()
    {
        var rng = new Random(5);
        int total = 0;
        for (int n = 0; n < 4000; n++)
        {
            var sb = new StringBuilder();
            for (int k = rng.Next(1, 25); k > 0; k--) sb.Append(BbsPieces[rng.Next(BbsPieces.Length)]);
            var text = sb.ToString();
            int expected = KeywordCountFilter.BbsPattern.Count(text);
            Assert.True(expected == BbsCommentsFilter.Count(text), $"'{text}': regex {expected}, counter {BbsCommentsFilter.Count(text)}");
            total += expected;
        }
        Assert.True(total > 10000);
        Assert.Equal(3, BbsCommentsFilter.Count("コメント-コメント-", limit: 3));
    }

    [Fact]
    public void BbsFilter_RejectsAboveMaxHits()
    {
        var f = new BbsCommentsFilter(maxHits: 2);
        Document Doc(string t) => new() { Id = "x", Text = t, Source = new DocumentSource("f", 1, 0) };
        Assert.Null(f.Apply(Doc("投稿とコメント")));
        Assert.NotNull(f.Apply(Doc("投稿とコメントと質問")));
    }
}
