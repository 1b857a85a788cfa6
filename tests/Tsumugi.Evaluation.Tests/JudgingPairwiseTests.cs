using System.Collections.Concurrent;
using Tsumugi.Evaluation.Arena;
using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Tests;

/// <summary>Pairwise verdicts, the position-swap rule, pairwise prompts, and pairwise judging against a local stub judge.</summary>
public sealed class JudgingPairwiseTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-pairwise-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("Aの方が詳しい。[[A]]", "A")]
    [InlineData("最終判定：[[B]]", "B")]
    [InlineData("引き分け [[C]]", "tie")]
    [InlineData("[[B]] と迷ったが [[A]]", "A")]      // FastChat checks [[A]] first, wherever it is
    [InlineData("[[C]] or [[B]]", "B")]
    [InlineData("[A] のほうが良い", null)]           // a single bracket is no pairwise verdict
    [InlineData("評価：[[7]]", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void PairwiseVerdictsParseLikeFastChat(string? text, string? expected) => Assert.Equal(expected, PairwiseVerdictParser.Parse(text));

    [Theory]
    // g1: model 1 shown as A; g2: swapped, model 1 shown as B.
    [InlineData("A", "B", "model_1")]   // both orders pick model 1
    [InlineData("B", "A", "model_2")]   // both orders pick model 2
    [InlineData("A", "A", "tie")]       // always the first position: position bias, no preference
    [InlineData("B", "B", "tie")]
    [InlineData("tie", "B", "tie")]     // a first-order tie is a tie whatever the second says
    [InlineData("A", "tie", "tie")]     // inconsistent
    [InlineData("tie", "tie", "tie")]
    public void PositionSwapCountsOnlyAgreeingVerdictsAsWins(string g1, string g2, string expected) =>
        Assert.Equal(expected, PairwiseOutcome.Combine(PairwiseOutcome.FromVerdict(g1, swapped: false), PairwiseOutcome.FromVerdict(g2, swapped: true)));

    [Fact]
    public void PairwisePromptsShowAnswerAFirstAndUseTheReferenceAndMultiTurnVariants()
    {
        var q = new MtBenchQuestion("1", "math", ["Q1 1+1は？", "Q2 2倍は？"], ["R1 2", "R2 4"]);
        var first = PairwisePrompts.Build(q, ["X1", "X2"], ["Y1", "Y2"], 1);
        Assert.Equal("pair-math-v1", first.Name);
        Assert.Contains("[参照回答の開始]\nR1 2\n[参照回答の終了]", first.User);
        Assert.True(first.User.IndexOf("X1", StringComparison.Ordinal) < first.User.IndexOf("Y1", StringComparison.Ordinal));
        Assert.Contains("[[A]]", first.System);
        Assert.Contains("[[C]]", first.System);
        var swapped = PairwisePrompts.Build(q, ["Y1", "Y2"], ["X1", "X2"], 1);
        Assert.True(swapped.User.IndexOf("Y1", StringComparison.Ordinal) < swapped.User.IndexOf("X1", StringComparison.Ordinal));

        var second = PairwisePrompts.Build(q, ["X1", "X2"], ["Y1", "Y2"], 2);
        Assert.Equal("pair-math-v1-multi-turn", second.Name);
        Assert.Contains("### ユーザー:\nQ2 2倍は？\n\n### アシスタントA:\nX2", second.User);
        Assert.Contains("### アシスタントB:\nY2", second.User);
        Assert.Contains("### 参照回答:\nR2 4", second.User);
        Assert.Contains("最後の質問", second.System);
        Assert.Equal("pair-v2-multi-turn", PairwisePrompts.Build(q with { Category = "writing" }, ["X1", "X2"], ["Y1", "Y2"], 2).Name);
        Assert.DoesNotContain("R1", PairwisePrompts.Build(q with { Category = "writing" }, ["X1", "X2"], ["Y1", "Y2"], 1).User);
    }

    [Fact]
    public void AJudgePromptFileReplacesTheNamedTemplatesAndKeepsTheBuiltInOthers()
    {
        var path = Path.Combine(_dir, "judge_ja_prompts.jsonl");
        File.WriteAllText(path, """
            {"name": "single-math-v1", "type": "single", "system_prompt": "SYS-M", "prompt_template": "Q={question} REF={ref_answer_1} A={answer} {{literal}}", "description": "", "category": "math", "output_format": "[[rating]]"}

            {"name": "pair-v2-multi-turn", "type": "pairwise", "system_prompt": "SYS-P", "prompt_template": "{question_1}|{answer_a_1}|{answer_b_1}|{question_2}|{answer_a_2}|{answer_b_2}", "output_format": "[[A]]"}
            """);
        var templates = JudgePromptFile.Read(path);
        var math = new MtBenchQuestion("1", "math", ["q1", "q2"], ["r1", "r2"]);
        Assert.Equal(new JudgePrompt("single-math-v1", "SYS-M", "Q=q1 REF=r1 A=a1 {literal}"), JudgePrompts.Build(math, ["a1", "a2"], 1, templates));
        Assert.Equal(JudgePrompts.Build(math, ["a1", "a2"], 2), JudgePrompts.Build(math, ["a1", "a2"], 2, templates)); // not in the file: built in
        var writing = math with { Category = "writing", References = null };
        Assert.Equal(new JudgePrompt("pair-v2-multi-turn", "SYS-P", "q1|x1|y1|q2|x2|y2"), PairwisePrompts.Build(writing, ["x1", "x2"], ["y1", "y2"], 2, templates));

        // A template asking for a value the turn does not have names it.
        var bad = new JudgePromptTemplate("single-v1", "single", "s", "{ref_answer_1}", "");
        Assert.Contains("placeholder {ref_answer_1} has no value", Assert.Throws<ArgumentException>(() => JudgePrompts.Build(writing, ["a"], 1, new Dictionary<string, JudgePromptTemplate> { ["single-v1"] = bad })).Message);

        File.WriteAllText(path, """{"name": "x", "type": "grading", "system_prompt": "s", "prompt_template": "t"}""");
        Assert.Equal($"{path}:1: field 'type' is 'grading'; expected 'single' or 'pairwise'.", Assert.Throws<InvalidDataException>(() => JudgePromptFile.Read(path)).Message);
        File.WriteAllText(path, """{"name": "x", "type": "single", "prompt_template": "t"}""");
        Assert.Equal($"{path}:1: field 'system_prompt' missing or not a string.", Assert.Throws<InvalidDataException>(() => JudgePromptFile.Read(path)).Message);
    }

    [Fact]
    public void ModelAnswerFilesRoundTripAndReferenceAnswersReplaceInlineOnes()
    {
        var questions = new List<MtBenchQuestion> { new("81", "math", ["q1", "q2"], ["old"]), new("x-2", "writing", ["w1"], null) };
        var path = Path.Combine(_dir, "answers", "tsumugi-1b.jsonl");
        ModelAnswerFile.Write(path, "tsumugi-1b", questions.Select(q => new MtBenchAnswer(q, q.Turns.Select(t => new TurnAnswer("ans-" + t, 0, 0, 1, 1, "stop")).ToList())).ToList());
        Assert.StartsWith("""{"question_id":81,"answer_id":"tsumugi-1b-81","model_id":"tsumugi-1b","choices":[{"index":0,"turns":["ans-q1","ans-q2"]}]""", File.ReadLines(path).First());
        var back = ModelAnswerFile.Read(path);
        Assert.Equal("tsumugi-1b", back.ModelId);
        Assert.Equal(["ans-q1", "ans-q2"], back.For(questions[0]));
        Assert.Equal(["ans-w1"], back.For(questions[1]));

        var withRefs = back.AsReferences(questions);
        Assert.Equal(["ans-q1", "ans-q2"], withRefs[0].References);
        Assert.Equal("ans-w1", withRefs[1].ReferenceFor(1));

        var missing = new MtBenchQuestion("99", "stem", ["s"], null);
        Assert.Equal($"{path}: no answer for question_id 99; answer every question in the question file.", Assert.Throws<InvalidDataException>(() => back.For(missing)).Message);
        File.WriteAllText(path, """{"question_id": 1, "choices": [{"index": 0}]}""");
        Assert.StartsWith($"{path}:1: field 'choices[0].turns' missing", Assert.Throws<InvalidDataException>(() => ModelAnswerFile.Read(path)).Message);
    }

    static readonly IReadOnlyList<MtBenchQuestion> Questions =
    [
        new("1", "writing", ["W1 書いて", "W2 短く"], null),
        new("2", "math", ["M1 1+1", "M2 2+2"], ["R 2", "R 4"]),
    ];

    static Dictionary<string, ModelAnswers> Answers(params string[] models) => models.ToDictionary(m => m, m => new ModelAnswers(m, m + ".jsonl",
        Questions.ToDictionary(q => q.QuestionId, q => (IReadOnlyList<string>)q.Turns.Select((_, t) => $"<{m}-{q.QuestionId}-{t + 1}>").ToList())));

    static JudgeSettings Settings(string url, int concurrency = 4) => new()
    {
        Url = url, Model = "pair-judge", Timeout = TimeSpan.FromSeconds(30), Retries = 1, RetryDelay = TimeSpan.FromMilliseconds(10), Concurrency = concurrency,
    };

    /// <summary>A judge preferring the answer of whichever model ranks first in <paramref name="ranking"/>, wherever it is shown.</summary>
    static (int, string) RankingJudge(string user, params string[] ranking)
    {
        int a = user.IndexOf("アシスタントA", StringComparison.Ordinal), b = user.IndexOf("アシスタントB", StringComparison.Ordinal);
        string ModelIn(int from, int to) => ranking.First(m => user.IndexOf($"<{m}-", from, StringComparison.Ordinal) is var i && i >= 0 && i < to);
        var (shownA, shownB) = (ModelIn(a, b), ModelIn(b, user.Length));
        return (200, Array.IndexOf(ranking, shownA) < Array.IndexOf(ranking, shownB) ? "Aが良い。[[A]]" : "Bが良い。[[B]]");
    }

    [Fact]
    public async Task AConsistentJudgeGivesWinsAndAPositionBiasedJudgeOnlyTies()
    {
        await using var consistent = await JudgingStubServer.StartAsync(user => RankingJudge(user, "gold", "silver", "bronze"));
        var answers = Answers("bronze", "gold", "silver");
        var pairs = PairwiseJudge.AllPairs(["bronze", "gold", "silver"]);
        var judgments = await new PairwiseJudge(new JudgeClient(Settings(consistent.BaseUrl)), 4).JudgeAsync(Questions, answers, pairs);

        Assert.Equal(3 * 4, judgments.Count);  // 3 pairs × 2 questions × 2 turns
        Assert.Equal(3 * 4 * 2, consistent.Requests.Count); // both orders each
        Assert.Equal(["pair-v2", "pair-v2-multi-turn", "pair-math-v1", "pair-math-v1-multi-turn"], judgments.Take(4).Select(j => j.JudgePromptName));
        var bronzeGold = judgments.Where(j => (j.Model1, j.Model2) == ("bronze", "gold")).ToList();
        Assert.All(bronzeGold, j => Assert.Equal(("model_2", "model_2", "model_2"), (j.G1Winner, j.G2Winner, j.Winner)));
        var records = PairwiseScores.Compute(judgments);
        Assert.Equal([("gold", 8, 0, 0), ("silver", 4, 4, 0), ("bronze", 0, 8, 0)], records.Where(r => r.Category == "overall").Select(r => (r.Model, r.Win, r.Loss, r.Tie)));
        var math = records.Single(r => (r.Model, r.Category) == ("silver", "math"));
        Assert.Equal((2, 2, 0.5), (math.Win, math.Loss, math.WinRateAdjusted));

        // Baseline mode: only pairs with the baseline, and the baseline's own row dropped.
        var baseline = await new PairwiseJudge(new JudgeClient(Settings(consistent.BaseUrl)), 4)
            .JudgeAsync(Questions, answers, PairwiseJudge.AgainstBaseline(["bronze", "gold", "silver"], "silver"));
        Assert.All(baseline, j => Assert.Equal("silver", j.Model2));
        Assert.Equal([("gold", 1.0), ("bronze", 0.0)], PairwiseScores.Compute(baseline, "silver").Where(r => r.Category == "overall").Select(r => (r.Model, r.WinRate)));

        await using var biased = await JudgingStubServer.StartAsync(_ => (200, "最初の回答が良い。[[A]]"));
        var tied = await new PairwiseJudge(new JudgeClient(Settings(biased.BaseUrl)), 4).JudgeAsync(Questions, answers, pairs);
        Assert.All(tied, j => Assert.Equal(("model_1", "model_2", "tie"), (j.G1Winner, j.G2Winner, j.Winner)));
        Assert.All(PairwiseScores.Compute(tied).Where(r => r.Category == "overall"), r => Assert.Equal((0, 0, 8, 0.5), (r.Win, r.Loss, r.Tie, r.WinRateAdjusted)));
        Assert.All(BattleFile.FromJudgments(tied, "pair-judge"), b => Assert.Equal(Battle.Tie, b.Winner));
    }

    [Fact]
    public async Task AnswersWithoutAVerdictAreRetriedAndCountedAndAMatchWithAFailedGameIsLeftOut()
    {
        // Every prompt gets no verdict the first time it is asked; the second time a consistent verdict.
        var asked = new ConcurrentDictionary<string, int>();
        await using var judge = await JudgingStubServer.StartAsync(user =>
            asked.AddOrUpdate(user, 1, (_, n) => n + 1) == 1 ? (200, "よく分かりません。") : RankingJudge(user, "gold", "bronze"));
        var answers = Answers("bronze", "gold");
        var settings = Settings(judge.BaseUrl) with { RetryWithoutVerdict = true };
        var judgments = await new PairwiseJudge(new JudgeClient(settings), 3).JudgeAsync(Questions, answers, [("bronze", "gold")]);
        Assert.All(judgments, j => Assert.Equal(("model_2", null, 4, 2), (j.Winner, j.Failure, j.JudgeAttempts, j.NoVerdictReplies)));

        // Without retries the verdict-less answer is a failure: the match is reported and excluded, never scored.
        asked.Clear();
        var failed = await new PairwiseJudge(new JudgeClient(settings with { RetryWithoutVerdict = false }), 3).JudgeAsync(Questions, answers, [("bronze", "gold")]);
        Assert.All(failed, j => Assert.Equal((JudgeFailure.NoVerdict, (string?)null, 2), (j.Failure, j.Winner, j.NoVerdictReplies))); // both games
        Assert.Empty(PairwiseScores.Compute(failed));
        Assert.Empty(BattleFile.FromJudgments(failed, "j"));

        // Single grading counts verdict-less answers the same way, also when the retry then scores.
        asked.Clear();
        await using var grader = await JudgingStubServer.StartAsync(user => asked.AddOrUpdate(user, 1, (_, n) => n + 1) == 1 ? (200, "うーん") : (200, "評価：[[6]]"));
        var answer = new MtBenchAnswer(Questions[0], [new TurnAnswer("a1", 0, 0, 1, 1, "stop"), new TurnAnswer("a2", 0, 0, 1, 1, "stop")]);
        var samples = await new MtBenchJudge(new JudgeClient(Settings(grader.BaseUrl) with { RetryWithoutVerdict = true }), 2).JudgeAsync([answer]);
        Assert.All(samples, s => Assert.Equal((6.0, 2, 1), (s.Score!.Value, s.JudgeAttempts, s.NoVerdictReplies)));
        var metrics = MtBenchScores.Compute(samples);
        Assert.Equal(2, metrics["mt_bench/no_verdict_replies"]);
        Assert.Equal(0, metrics["mt_bench/failures"]);
        Assert.Equal(6, metrics["mt_bench/writing/turn2"]);
    }

    [Fact]
    public async Task JudgingRequestsRunConcurrentlyUpToTheLimit()
    {
        await using var slow = await JudgingStubServer.StartAsync(new JudgingStubServer.Rule("", "[[A]]", Sleep: TimeSpan.FromMilliseconds(150)));
        var answers = Answers("x", "y", "z");
        await new PairwiseJudge(new JudgeClient(Settings(slow.BaseUrl, concurrency: 3)), 3).JudgeAsync(Questions, answers, PairwiseJudge.AllPairs(["x", "y", "z"]));
        Assert.Equal(24, slow.Requests.Count);
        Assert.InRange(slow.MaxInFlight, 2, 3);
    }
}
