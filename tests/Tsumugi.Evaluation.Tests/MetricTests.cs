using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tests;

/// <summary>Metric functions against hand-computed values (working shown in comments), Japanese included.</summary>
public sealed class MetricTests
{
    [Theory]
    [InlineData("東京都", "東京", 0.8)]                  // LCS 2: 2·2/(3+2)
    [InlineData("ダイ・ハード", "ダイハード", 10.0 / 11)] // LCS 5: 2·5/(6+5)
    [InlineData("b a", "a b", 1.0)]                     // tokens sorted before comparing
    [InlineData("hello world", "world hello!", 22.0 / 23)] // "hello world" vs "hello world!": LCS 11
    [InlineData("", "東京", 0.0)]
    [InlineData("", "", 1.0)]
    [InlineData("𠮷野家", "吉野家", 4.0 / 6)]             // code points, not UTF-16 units (𠮷 is a surrogate pair)
    public void CharF1IsTheTokenSortRatio(string prediction, string gold, double expected) =>
        Assert.Equal(expected, CharF1.Score(prediction, gold), 1e-12);

    [Fact]
    public void SetF1CountsDistinctPredictedItemsAgainstTheGoldList()
    {
        // pred set {A, B, C}, gold [A, B, D, E]: 2 hits, P = 2/3, R = 2/4, F = 4/7
        Assert.Equal(4.0 / 7, SetF1.Score("A\nB\nB\nC", "A\nB\nD\nE"), 1e-12);
        Assert.Equal(1.0, SetF1.Score(" 東京 \n大阪", "大阪\n東京"), 1e-12);
        Assert.Equal(0.0, SetF1.Score("名古屋", "大阪\n東京"));
    }

    [Fact]
    public void JapaneseTokensAreCharactersForCjkAndWordsForLatinAndDigits()
    {
        Assert.Equal(["GPT", "-", "4", "は", "2023", "年", "に", "発", "表", "。"], MetricTokenizer.Japanese("GPT-4は2023年に 発表。"));
        Assert.Equal(["ｶ", "ﾅ", "abc"], MetricTokenizer.Japanese("ｶﾅ abc"));
    }

    [Fact]
    public void ThirteenA_SplitsPunctuationButKeepsDecimals() =>
        Assert.Equal(["Hello", ",", "world", ".", "It's", "3.5", "-", "4", "(", "ok", ")"], MetricTokenizer.Thirteen("Hello, world. It's 3.5-4 (ok)"));

    [Fact]
    public void BleuMatchesSacrebleuWithEffectiveOrder()
    {
        // 猫が寝ています。 vs 猫は寝ています。 (8 tokens each): precisions 7/8, 5/7, 4/6, 3/5; product 1/4; BP 1 → (1/4)^(1/4)
        Assert.Equal(Math.Pow(0.25, 0.25), GenerationMetrics.Score("bleu_ja", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        // 東京 vs 東京都: only orders 1–2 exist (effective order 2), both precisions 1; BP exp(1 − 3/2)
        Assert.Equal(Math.Exp(-0.5), GenerationMetrics.Score("bleu_ja", "東京", "東京都"), 1e-12);
        // a b c d vs a b x d: 3/4, 1/3, then no 3- or 4-gram match: exp smoothing 1/(2·2), 1/(4·1)
        Assert.Equal(Math.Pow(0.75 / 3 * 0.25 * 0.25, 0.25), GenerationMetrics.Score("bleu_en", "a b c d", "a b x d"), 1e-12);
        Assert.Equal(0.0, GenerationMetrics.Score("bleu_ja", "", "東京"));
        Assert.Equal(1.0, GenerationMetrics.Score("bleu_ja", "今日は晴れです。", "今日は晴れです。"), 1e-12);
    }

    [Fact]
    public void RougeFMeasures()
    {
        // bigrams: 5 of 7 shared on both sides → 5/7; LCS 7 of 8 tokens on both sides → 7/8
        Assert.Equal(5.0 / 7, GenerationMetrics.Score("rouge2", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        Assert.Equal(7.0 / 8, GenerationMetrics.Score("rougeL", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        // LCS 2: P = 1, R = 2/3 → F = 0.8
        Assert.Equal(0.8, GenerationMetrics.Score("rougeL", "東京", "東京都"), 1e-12);
        Assert.Equal(0.0, GenerationMetrics.Score("rouge2", "東", "東京"));
    }

    [Theory]
    [InlineData("答えは1,200です。", "1200")]
    [InlineData("3+4=7なので、答えは7", "7")]
    [InlineData("気温は-3度", "-3")]
    [InlineData("The answer is 7.", "7")]
    [InlineData("答えは2.5", "2.50")]
    public void NumbersAreTheLastMatchComparedNumerically(string prediction, string gold)
    {
        Assert.Equal(1.0, NumberAnswer.Score(prediction, gold));
        Assert.Equal(0.0, NumberAnswer.Score(prediction, "8"));
    }

    [Fact]
    public void NumberExtractionRejectsTextWithoutANumber()
    {
        Assert.Null(NumberAnswer.Extract("わかりません"));
        Assert.Null(NumberAnswer.Extract("7 ... ,")); // the last match is punctuation only: invalid, as in the harness
        Assert.Equal(0.0, NumberAnswer.Score("わかりません", "0"));
    }

    [Fact]
    public void ExactMatchAndUnknownMetricNames()
    {
        Assert.Equal(1.0, GenerationMetrics.Score("exact_match", "entailment", "entailment"));
        Assert.Equal(0.0, GenerationMetrics.Score("exact_match", "entailment ", "entailment"));
        var e = Assert.Throws<ArgumentException>(() => GenerationMetrics.Score("bleu", "a", "a"));
        Assert.Contains("char_f1", e.Message);
    }
}
