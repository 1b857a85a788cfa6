using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tests;

/// <summary>Metric functions against hand-computed values (working shown in comments), Japanese included.</summary>
public sealed class MetricTests
{
    // Each value is fuzzywuzzy 0.18's token_sort_ratio / 100 (checked with the real one: FuzzywuzzyParityTests), derived:
    [Theory]
    [InlineData("東京都", "東京", 0.8)]                     // LCS 2: 100·(1 − 1/5) = 80
    [InlineData("ダイ・ハード", "ダイハード", 0.91)]         // ・ is not a word character: "ダイ ハード" vs "ダイハード", LCS 5, 100·10/11 = 90.9 → 91
    [InlineData("b a", "a b", 1.0)]                        // tokens sorted before comparing
    [InlineData("hello world", "world hello!", 1.0)]       // "!" becomes a space: both "hello world"
    [InlineData("Tokyo Tower", "tokyo tower", 1.0)]        // lowercased
    [InlineData("", "東京", 0.0)]                           // one side empty
    [InlineData("", "", 1.0)]                              // equal strings (checked before emptiness)
    [InlineData("。", "「」", 1.0)]                          // punctuation only: both process to ""
    [InlineData("𠮷野家", "吉野家", 0.67)]                    // code points, not UTF-16 units: LCS 2 of 3+3, 66.7 → 67
    [InlineData("café", "caf", 1.0)]                       // force_ascii drops U+0080–U+00FF: "café" → "caf"
    [InlineData("a_b", "a b", 0.67)]                       // '_' is a word character: "a_b" vs "a b", LCS 2 of 6
    [InlineData("İ", "i", 0.67)]                           // Python lowercases İ to "i̇" (2 code points): LCS 1 of 3
    [InlineData("ΑΣ", "ας", 1.0)]                          // Python's final sigma
    // Mixed text, where the old rapidfuzz-style score (no processing) was lower:
    [InlineData("答えは「GPT-4」。", "GPT-4", 0.71)]          // "4 gpt 答えは" (9) vs "4 gpt" (5): LCS 5, 100·10/14 = 71.4 → 71 (unprocessed: 0.625)
    [InlineData("Tokyo Tower（東京タワー）", "tokyo tower", 0.79)] // "tokyo tower 東京タワー" (17) vs "tokyo tower" (11): 100·22/28 = 78.6 → 79 (unprocessed: 0.62)
    public void CharF1_KnownPairs_EqualFuzzywuzzy(string prediction, string gold, double expected) =>
        Assert.Equal(expected, CharF1.Score(prediction, gold), 1e-12);

    /// <summary>
    /// A half-way score rounds by python-Levenshtein ≥ 0.21's float path, 1 − distance/lensum: 40 + 40 code points
    /// sharing one gives 1 − 78/80 = 0.025000000000000022, ×100 = 2.5000000000000022 → 3 (2/80 would give 2.5 → 2).
    /// </summary>
    [Fact]
    public void TokenSortRatio_HalfwayScore_RoundsLikeLevenshteinAtLeast021() =>
        Assert.Equal(3, CharF1.TokenSortRatio("a" + new string('x', 39), "a" + new string('y', 39)));

    [Fact]
    public void SetF1CountsDistinctPredictedItemsAgainstTheGoldList()
    {
        // pred set {A, B, C}, gold [A, B, D, E]: 2 hits, P = 2/3, R = 2/4, F = 4/7
        Assert.Equal(4.0 / 7, SetF1.Score("A\nB\nB\nC", "A\nB\nD\nE"), 1e-12);
        Assert.Equal(1.0, SetF1.Score(" 東京 \n大阪", "大阪\n東京"), 1e-12);
        Assert.Equal(0.0, SetF1.Score("名古屋", "大阪\n東京"));
    }

    [Fact]
    public void JapaneseTokensAreMeCabIpadicWords()
    {
        Assert.Equal(["GPT", "-", "4", "は", "2023", "年", "に", "発表", "。"], MetricTokenizer.Japanese(" GPT-4は2023年に 発表。\n"));
        Assert.Equal(["令和", "元年"], MetricTokenizer.Japanese("令和元年")); // Debian's IPADIC has 令和 as one word
        Assert.Empty(MetricTokenizer.Japanese("　"));                        // MeCab emits U+3000 as a token; sacrebleu's split drops it
    }

    [Fact]
    public void MeCabRefusesAMissingOrNonIpadicDictionary()
    {
        Assert.Null(MeCabTagger.Probe(MeCabTagger.DefaultDictionary));
        Assert.Contains("sudo apt-get install libmecab2 mecab-ipadic-utf8", MeCabTagger.Probe("/nonexistent/ipadic"));
        Assert.Contains("is not IPADIC", MeCabTagger.Probe("/var/lib/mecab/dic/juman-utf8")); // installed beside IPADIC by Debian's mecab
    }

    [Fact]
    public void ThirteenA_SplitsPunctuationButKeepsDecimals() =>
        Assert.Equal(["Hello", ",", "world", ".", "It's", "3.5", "-", "4", "(", "ok", ")"], MetricTokenizer.Thirteen("Hello, world. It's 3.5-4 (ok)"));

    [Fact]
    public void BleuMatchesSacrebleuWithEffectiveOrder()
    {
        // 猫 が 寝 て い ます 。 vs 猫 は 寝 て い ます 。: precisions 6/7, 4/6, 3/5, 2/4; BP 1 → (6/35)^(1/4)
        Assert.Equal(Math.Pow(6.0 / 35, 0.25), GenerationMetrics.Score("bleu_ja", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        // 東京 vs 東京 都: only order 1 exists (effective order 1), precision 1; BP exp(1 − 2/1)
        Assert.Equal(Math.Exp(-1), GenerationMetrics.Score("bleu_ja", "東京", "東京都"), 1e-12);
        // a b c d vs a b x d: 3/4, 1/3, then no 3- or 4-gram match: exp smoothing 1/(2·2), 1/(4·1)
        Assert.Equal(Math.Pow(0.75 / 3 * 0.25 * 0.25, 0.25), GenerationMetrics.Score("bleu_en", "a b c d", "a b x d"), 1e-12);
        // no n-gram matches at all: sacrebleu stops at 0 (smoothing would otherwise give 1/2 here)
        Assert.Equal(0.0, GenerationMetrics.Score("bleu_ja", "大阪", "東京"));
        Assert.Equal(0.0, GenerationMetrics.Score("bleu_ja", "", "東京"));
        Assert.Equal(1.0, GenerationMetrics.Score("bleu_ja", "今日は晴れです。", "今日は晴れです。"), 1e-12);
    }

    [Fact]
    public void RougeFMeasures()
    {
        // bigrams: 4 of 6 shared on both sides → 2/3; unigrams 6 of 7 → 6/7; LCS 6 of 7 → 6/7
        Assert.Equal(2.0 / 3, GenerationMetrics.Score("rouge2", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        Assert.Equal(6.0 / 7, GenerationMetrics.Score("rouge1", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        Assert.Equal(6.0 / 7, GenerationMetrics.Score("rougeL", "猫が寝ています。", "猫は寝ています。"), 1e-12);
        // 東京 vs 東京 都: LCS 1, P = 1, R = 1/2 → F = 2/3; no bigram in the prediction → 0
        Assert.Equal(2.0 / 3, GenerationMetrics.Score("rougeL", "東京", "東京都"), 1e-12);
        Assert.Equal(0.0, GenerationMetrics.Score("rouge2", "東京", "東京都"));
    }

    [Theory]
    [InlineData("12", "12", 1.0)]
    [InlineData("12.0", "12", 1.0)]     // compared as floats
    [InlineData(" 7 ", "7", 1.0)]       // Python's float() allows surrounding whitespace
    [InlineData("1_000", "1000", 1.0)]  // and '_' between digits
    [InlineData("12個", "12", 0.0)]     // unparsable: 0, not an error
    [InlineData("nan", "nan", 0.0)]     // NaN equals nothing
    [InlineData("", "3", 0.0)]
    public void ExactMatchFigureComparesPythonFloats(string prediction, string gold, double expected) =>
        Assert.Equal(expected, GenerationMetrics.Score("exact_match_figure", prediction, gold));

    [Theory]
    [InlineData("3.2", 3.2)]
    [InlineData("点数は1.5点", 1.5)]  // everything but digits and '.' deleted
    [InlineData("-0.5", 0.5)]          // the minus sign too, as llm-jp-eval's parse_float does
    [InlineData("わからない", -2.0)]   // nothing left: −2
    [InlineData("1.2.3", -2.0)]        // not a float after cleaning: −2
    public void ParseFloatFollowsLlmJpEval(string prediction, double expected) =>
        Assert.Equal(expected, Correlation.ParseFloat(prediction));

    [Fact]
    public void CorrelationsScoreTheWholeTask()
    {
        // ranks of golds [1,2,3,4] against predictions [1,2,4,3]: Spearman 1 − 6·2/(4·15) = 0.8
        Assert.Equal(0.8, GenerationMetrics.ScoreTask("spearman", ["1", "2", "4", "3"], ["1", "2", "3", "4"]), 1e-12);
        Assert.Equal(1.0, GenerationMetrics.ScoreTask("pearson", ["2", "4", "6"], ["1", "2", "3"]), 1e-12);
        Assert.Equal(0.0, GenerationMetrics.ScoreTask("pearson", ["1", "1", "1"], ["1", "2", "3"]));    // constant: NaN → 0
        Assert.Equal(2.0 / 3, GenerationMetrics.ScoreTask("exact_match", ["a", "b", "c"], ["a", "b", "x"]), 1e-12); // per-sample mean
        Assert.Throws<ArgumentException>(() => GenerationMetrics.Score("pearson", "1", "1"));
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
