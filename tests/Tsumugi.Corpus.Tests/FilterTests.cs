using Tsumugi.Corpus.Filters;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Tests;

public class FilterTests
{
    static Document Doc(string text) => new() { Id = "t", Text = text, Source = new DocumentSource("t", 1, 0) };
    static bool Rejects(IPipelineStep f, string text) => f.Apply(Doc(text)) is not null;

    const string GoodJa = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。";

    [Fact]
    public void Length_Bounds()
    {
        Assert.True(Rejects(new LengthFilter(10, 20), "短い"));
        Assert.False(Rejects(new LengthFilter(1, 20), "ちょうど良い"));
        Assert.True(Rejects(new LengthFilter(1, 3), "長すぎる文"));
    }

    [Fact]
    public void AcceptJapanese_LooksAtFirst50CharsOnly()
    {
        Assert.True(Rejects(new AcceptJapaneseFilter(), "快三手机投注平台代理"));
        Assert.False(Rejects(new AcceptJapaneseFilter(), "これは日本語"));
        Assert.True(Rejects(new AcceptJapaneseFilter(), new string('x', 50) + "これは日本語"));
    }

    [Fact]
    public void JapaneseRatio_SwallowThresholds()
    {
        Assert.False(Rejects(new JapaneseRatioFilter(), GoodJa));
        Assert.True(Rejects(new JapaneseRatioFilter(), "コンピュータプログラミングソフトウェアエンジニアリング"));
        Assert.True(Rejects(new JapaneseRatioFilter(), "This is mostly English text with one 日本語 word in it."));
    }

    [Fact]
    public void Kuten_AverageSentenceLength()
    {
        Assert.False(Rejects(new KutenFilter(), GoodJa));
        Assert.True(Rejects(new KutenFilter(), new string('あ', 250) + "。"));
    }

    [Fact]
    public void AdsAndBbs_CountAboveMaxHits()
    {
        var ads = new KeywordCountFilter("ads", KeywordCountFilter.LiteralPattern(KeywordCountFilter.DefaultAdKeywords), 14);
        Assert.True(Rejects(ads, string.Concat(Enumerable.Repeat("お問い合わせください 営業時間 よくある質問", 5))));
        Assert.False(Rejects(ads, "おはよう"));
        var bbs = new KeywordCountFilter("bbs", KeywordCountFilter.BbsPattern, 14);
        Assert.True(Rejects(bbs, string.Concat(Enumerable.Repeat("楽天市場 質問 投稿 コメント レビュー ", 3))));
        Assert.False(Rejects(bbs, "鏡餅"));
        Assert.False(Rejects(bbs, string.Concat(Enumerable.Repeat("コメント", 14))));
        Assert.True(Rejects(bbs, string.Concat(Enumerable.Repeat("コメント", 15))));
    }

    [Fact]
    public void ShortLinesEllipsisSpecialCharsRuns()
    {
        Assert.True(Rejects(new ShortLinesFilter(), "ホーム\n会社概要\n製品\n" + GoodJa));
        Assert.False(Rejects(new ShortLinesFilter(), GoodJa + "\n短い\n" + GoodJa));
        Assert.True(Rejects(new EndingEllipsisFilter(), "続く…\nまだ続く...\nさらに…\n"));
        Assert.False(Rejects(new EndingEllipsisFilter(), GoodJa + "\n続く…\n" + GoodJa + "\n"));
        Assert.True(Rejects(new SpecialCharsFilter(), "!!!???★★★【】「」 ok"));
        Assert.False(Rejects(new SpecialCharsFilter(), GoodJa));
        Assert.True(Rejects(new SingleCharRunFilter(), "あ" + new string('ー', 200)));
        Assert.False(Rejects(new SingleCharRunFilter(), "あ" + new string('ー', 199)));
    }

    [Fact]
    public void CharRepetition_BigScienceRatio()
    {
        var f = new CharRepetitionFilter();
        Assert.True(Rejects(f, new string('あ', 30) + "い"));
        // A 10-char sentence repeated 40 times: 10 distinct cyclic 5-grams (6 seen 40 times, 4 seen 39 times),
        // ⌊√10⌋ = 3 → top three = 120 of 396 n-grams = 0.303: under HojiChar's 0.33, so it is kept.
        var cyclic = string.Concat(Enumerable.Repeat("同じ文章の繰り返し。", 40));
        Assert.Equal(120.0 / 396, f.Ratio(cyclic), 9);
        Assert.False(Rejects(f, cyclic));
        Assert.False(Rejects(f, GoodJa));
        // Hand-computed: "aaaaaa" has 5-grams {aaaaa: 2}: distinct 1, √1 = 1, one repeated → 2/2 = 1.
        Assert.Equal(1.0, f.Ratio("aaaaaa"), 6);
        // "abcdefg": 3 distinct 5-grams each once → no repeated n-gram → 0.
        Assert.Equal(0.0, f.Ratio("abcdefg"), 6);
    }

    [Fact]
    public void WordAndGopherRepetition_CatchRepeatedText_KeepVariedText()
    {
        var repeated = string.Concat(Enumerable.Repeat("今日は良い天気です。明日も晴れるでしょう。\n", 20));
        Assert.True(Rejects(new WordRepetitionFilter(), repeated));
        Assert.False(Rejects(new WordRepetitionFilter(), GoodJa));
        var g = new GopherRepetitionFilter();
        Assert.StartsWith("duplicate-line", g.Apply(Doc(repeated)));
        Assert.Null(g.Apply(Doc(GoodJa)));
    }

    [Fact]
    public void NgWords_FromYamlList()
    {
        var steps = PipelineConfig.Parse("steps:\n  - ng_words: { words: [禁止語], max_hits: 0 }\n", "t.yaml").BuildSteps();
        Assert.NotNull(steps[0].Apply(Doc("これは禁止語を含む")));
        Assert.Null(steps[0].Apply(Doc("これは普通の文")));
    }
}
