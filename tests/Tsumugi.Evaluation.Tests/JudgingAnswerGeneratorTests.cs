using Tsumugi.Evaluation.Judging;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Evaluation.Tests;

public sealed class JudgingAnswerGeneratorTests : IDisposable
{
    readonly JudgingTinyModel _model = new();
    public void Dispose() => _model.Dispose();

    static MtBenchQuestion Q(string category, string id = "1") => new(id, category, ["東京は。", "質問 ab"], null);

    [Fact]
    public void TurnTwoIsPromptedWithTheWholeConversationIncludingTheModelsFirstAnswer()
    {
        using var served = _model.Load();
        var answer = new MtBenchAnswerGenerator(served) { MaxNewTokens = 5, Temperature = 0 }.Answer(Q("writing"));
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 5, TopP = 1, Stop = served.ChatStops };
        var first = served.CreateChatGenerator().Generate(served.RenderChat([new("user", "東京は。")]), options with { Seed = answer.Turns[0].Seed });
        var second = served.CreateChatGenerator().Generate(served.RenderChat([new("user", "東京は。"), new("assistant", first.Text), new("user", "質問 ab")]),
            options with { Seed = answer.Turns[1].Seed });
        Assert.Equal([first.Text, second.Text], answer.Turns.Select(t => t.Text));
        Assert.Equal(second.PromptTokens, answer.Turns[1].PromptTokens);
        Assert.True(answer.Turns[1].PromptTokens > answer.Turns[0].PromptTokens + first.TokenIds.Count, "turn 2 prompt must hold turn 1 and its answer");
    }

    [Fact]
    public void CategoriesSampleAtMtBenchTemperaturesAndSeedsMakeAnswersReproducible()
    {
        using var served = _model.Load();
        var generator = new MtBenchAnswerGenerator(served) { MaxNewTokens = 6, Seed = 3 };
        var oneToken = new MtBenchAnswerGenerator(served) { MaxNewTokens = 1, Seed = 3 };
        Assert.Equal([0.5, 0.5, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.7, 0],
            new[] { "writing", "roleplay", "extraction", "stem", "humanities", "math", "coding", "reasoning", "unlisted", "arena-hard-200" }
                .Select(c => oneToken.Answer(Q(c) with { Turns = ["a"] }).Turns[0].Temperature));
        var a = generator.Answer(Q("writing"));
        Assert.Equal(a.Turns.Select(t => t.Text), generator.Answer(Q("writing")).Turns.Select(t => t.Text));
        Assert.NotEqual(a.Turns[0].Seed, a.Turns[1].Seed);
        Assert.NotEqual(a.Turns[0].Seed, generator.Answer(Q("writing", id: "2")).Turns[0].Seed);
        Assert.NotEqual(a.Turns[0].Seed, (new MtBenchAnswerGenerator(served) { MaxNewTokens = 1, Seed = 4 }).Answer(Q("writing") with { Turns = ["a"] }).Turns[0].Seed);
        Assert.Equal(0, MtBenchCategories.SamplingTemperature(0.00009));
        Assert.Equal(0.0001, MtBenchCategories.SamplingTemperature(0.0001));
    }

    [Fact]
    public async Task AConversationThatFillsTheContextIsMarkedAndNeverSentToTheJudge()
    {
        using var small = new JudgingTinyModel(contextLength: 200);
        using var served = small.Load();
        var question = new MtBenchQuestion("long", "writing", ["短い。", new string('x', 300)], null);
        var answer = new MtBenchAnswerGenerator(served) { MaxNewTokens = 500 }.Answer(question);
        Assert.NotEqual(JudgeFailure.ContextOverflow, answer.Turns[0].FinishReason);
        Assert.True(answer.Turns[0].PromptTokens + answer.Turns[0].CompletionTokens <= 200, "max new tokens is capped by the room left");
        Assert.Equal((JudgeFailure.ContextOverflow, ""), (answer.Turns[1].FinishReason, answer.Turns[1].Text));

        var judge = new JudgeClient(new JudgeSettings { Url = "http://127.0.0.1:9/v1", Model = "never-called", Retries = 0 });
        var samples = await new MtBenchJudge(judge, 1).JudgeAsync([new MtBenchAnswer(question, [answer.Turns[1], answer.Turns[1]])]);
        Assert.All(samples, s => Assert.Equal((JudgeFailure.ContextOverflow, 0), (s.Failure, s.JudgeAttempts)));
    }
}
