using Tsumugi.Evaluation.Rewards;

namespace Tsumugi.Evaluation.Tests.Rewards;

public sealed class RuleRewardScorerTests
{
    static RewardRequest R(string id, string response, string? reference = null) => new(id, "問題", response, reference);

    [Theory]
    [InlineData("答えは１２です", "12")]
    [InlineData("答え：十二", "12")]
    [InlineData("合計は3,000円です。", "3000")]
    [InlineData("合計は３，０００円", "3000")]
    [InlineData("まず5個、次に7個なので、答えは12。", "12")]
    [InlineData("二〇二四年", "2024")]
    [InlineData("零", "0")]
    [InlineData("〇", "0")]
    [InlineData("百二十三", "123")]
    [InlineData("三千五百", "3500")]
    [InlineData("一万二千三百四十五", "12345")]
    [InlineData("1万2千", "12000")]
    [InlineData("十万", "100000")]
    [InlineData("二億三千万", "230000000")]
    [InlineData("3.5キロ", "3.5")]
    [InlineData("気温は-5度", "-5")]
    [InlineData("GPT-4", "4")]            // a hyphen after a letter is not a minus
    [InlineData("12, 13", "13")]          // a comma followed by a space ends the number
    [InlineData("答えは12.", "12")]
    [InlineData("数字はありません", null)]
    [InlineData("1.2.3", null)]         // the last number is malformed: no answer rather than an earlier guess
    public void FinalAnswerIsTheLastNumberInAnyJapaneseNotation(string text, string? expected) =>
        Assert.Equal(expected is null ? null : decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), FinalAnswer.LastNumber(text));

    [Fact]
    public async Task ExactAnswerComparesTheFinalNumbersAndFailsRequestsWithoutAUsableReference()
    {
        var scorer = new ExactAnswerRewardScorer();
        var scores = await scorer.ScoreAsync(
        [
            R("a", "答えは１２です", "12"),
            R("b", "答え：十二", "#### 12"),                      // GSM8K-style reference: its last number
            R("c", "3,000", "三千"),
            R("d", "12個ずつ配ると、残りは3個。", "12"),          // the final number is 3: wrong
            R("e", "わかりません", "12"),                         // no number: wrong, not a failure
            R("f", "12", null),
            R("g", "12", "不明"),
        ]);
        Assert.Equal([1, 1, 1, 0, 0, null, null], scores.Select(s => s.Value));
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g"], scores.Select(s => s.Id));
        Assert.Equal(RewardFailureKinds.BadReference, scores[5].Failure!.Kind);
        Assert.Contains("'不明' holds no number", scores[6].Failure!.Message);
        Assert.Equal((7, 5, 2), (scorer.Tally.Requests, scorer.Tally.Scored, scorer.Tally.Failed));
    }

    [Fact]
    public async Task RegexRewardsAMatchAndFullMatchNeedsTheWholeResponse()
    {
        string[] responses = ["答え：12", "考え方…\n答え：12", "答え：12です", "答え：12\n"];
        var partial = await new RegexRewardScorer(@"答え：\d+").ScoreAsync(responses.Select((r, i) => R($"{i}", r)).ToList());
        Assert.Equal([1, 1, 1, 1], partial.Select(s => s.Value));
        var full = await new RegexRewardScorer(@"(?s).*答え：\d+", fullMatch: true).ScoreAsync(responses.Select((r, i) => R($"{i}", r)).ToList());
        Assert.Equal([1, 1, 0, 0], full.Select(s => s.Value)); // a trailing newline is not covered by a full match
        var alternation = await new RegexRewardScorer("はい|いいえ", fullMatch: true).ScoreAsync([R("x", "はいはい"), R("y", "いいえ")]);
        Assert.Equal([0, 1], alternation.Select(s => s.Value)); // the whole alternation is anchored, not just its ends
    }

    [Fact]
    public async Task ARegexThatBacktracksForeverIsAFailureNotAHang()
    {
        var scorer = new RegexRewardScorer("^(a+)+$");
        var score = Assert.Single(await scorer.ScoreAsync([R("evil", new string('a', 40) + "!")]));
        Assert.Null(score.Value);
        Assert.Equal(RewardFailureKinds.RegexTimeout, score.Failure!.Kind);
        Assert.Equal(1, scorer.Tally.FailedByKind[RewardFailureKinds.RegexTimeout]);
    }
}
