using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Tests;

public sealed class JudgingVerdictTests
{
    [Theory]
    [InlineData("評価：[[7]]", 7.0)]
    [InlineData("Rating: [[8.5]] and later [[2]]", 8.5)]
    [InlineData("評価：[6]", 6.0)]
    [InlineData("[3] first, then [[9]]", 9.0)]   // the double-bracket pattern is tried on the whole text first
    [InlineData("[[10.]]", 10.0)]
    [InlineData("評価：[[五]]", null)]
    [InlineData("評価は7です", null)]
    [InlineData("[[-3]]", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ParsesLikeFastChat(string? text, double? expected) => Assert.Equal(expected, VerdictParser.Parse(text));

    [Fact]
    public void MathPromptOnlyWhenTheCategoryNeedsAReferenceAndEveryTurnHasOne()
    {
        var withRef = new MtBenchQuestion("1", "math", ["q1", "q2"], ["r1", "r2"]);
        Assert.Equal("single-math-v1", JudgePrompts.Build(withRef, ["a1", "a2"], 1).Name);
        Assert.Equal("single-math-v1-multi-turn", JudgePrompts.Build(withRef, ["a1", "a2"], 2).Name);
        var firstOnly = withRef with { References = ["r1"] };
        Assert.Equal("single-math-v1", JudgePrompts.Build(firstOnly, ["a1", "a2"], 1).Name);
        Assert.Equal("single-v1-multi-turn", JudgePrompts.Build(firstOnly, ["a1", "a2"], 2).Name);
        Assert.Equal("single-v1", JudgePrompts.Build(withRef with { Category = "writing" }, ["a1", "a2"], 1).Name);
        Assert.DoesNotContain("r1", JudgePrompts.Build(withRef with { Category = "writing" }, ["a1", "a2"], 1).User);
        Assert.Throws<ArgumentOutOfRangeException>(() => JudgePrompts.Build(withRef, ["a1"], 2));
    }

    [Fact]
    public void PromptsAskForTheVerdictFormatAndPenaliseTheWrongLanguage()
    {
        var q = new MtBenchQuestion("1", "stem", ["q1", "q2"], null);
        foreach (var p in new[] { JudgePrompts.Build(q, ["a1", "a2"], 1), JudgePrompts.Build(q, ["a1", "a2"], 2) })
        {
            var instruction = p.System + p.User;
            Assert.Contains("「[[評価]]」", instruction);
            Assert.Contains("評価：[[5]]", instruction);
            Assert.Contains("異なる言語", instruction);
            Assert.Contains("公平な審査員", instruction);
        }
    }

    [Fact]
    public void SettingsRejectBadValuesAndStripAChatCompletionsSuffix()
    {
        var ok = new JudgeSettings { Url = "http://h:1/v1/chat/completions/", Model = "m" };
        Assert.Equal(new Uri("http://h:1/v1"), ok.Endpoint);
        Assert.Contains("not an http(s) URL", Assert.Throws<ArgumentException>(() => (ok with { Url = "h:1/v1" }).Validate()).Message);
        Assert.Throws<ArgumentException>(() => (ok with { Model = " " }).Validate());
        Assert.Throws<ArgumentException>(() => (ok with { Timeout = TimeSpan.Zero }).Validate());
        Assert.Throws<ArgumentException>(() => (ok with { Concurrency = 0 }).Validate());
        Assert.Throws<ArgumentException>(() => (ok with { Retries = -1 }).Validate());
    }

    [Fact]
    public void ScoresWithoutAnyVerdictLeaveTheMeansOutAndCountFailures()
    {
        MtBenchSample S(string cat, int turn, double? score, string? failure) =>
            new("1", cat, turn, "q", null, "a", 0, 0, 1, 1, "stop", "single-v1", "", "", null, score, failure, null, 1);
        var none = MtBenchScores.Compute([S("writing", 1, null, JudgeFailure.NoVerdict), S("writing", 2, null, JudgeFailure.Timeout)]);
        Assert.Equal(["mt_bench/judged", "mt_bench/failures", "mt_bench/failures/judge_timeout", "mt_bench/failures/judge_error",
            "mt_bench/failures/no_verdict", "mt_bench/failures/context_overflow", "mt_bench/no_verdict_replies"], none.Keys);
        Assert.Equal([0, 2, 1, 0, 1, 0, 0], none.Values);
        // Nejumi averages category means; FastChat averages all judgments: they differ when categories are unbalanced.
        var m = MtBenchScores.Compute([S("writing", 1, 10, null), S("writing", 2, 8, null), S("math", 1, 3, null)]);
        Assert.Equal(7, m["mt_bench/overall"], 12);
        Assert.Equal((9 + 3) / 2.0 / 10, m["mt_bench/nejumi_score"], 12);
        Assert.Equal(["mt_bench/overall", "mt_bench/nejumi_score", "mt_bench/turn1", "mt_bench/turn2", "mt_bench/writing", "mt_bench/math"], m.Keys.Take(6));
        Assert.Equal([10.0, 8, 3], new[] { "writing/turn1", "writing/turn2", "math/turn1" }.Select(k => m["mt_bench/" + k]));
        Assert.False(m.ContainsKey("mt_bench/math/turn2"));
    }
}
