using Tsumugi.Evaluation.English;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Tests.English;

/// <summary>End to end on the tiny random model: scores against the unbatched reference scorer and the plain generator.</summary>
public sealed class EnglishRunTests(TinyEvalModel tiny) : IClassFixture<TinyEvalModel>, IDisposable
{
    readonly RawSamples _raw = new();
    public void Dispose() => _raw.Dispose();

    [Fact]
    public void ContinuationIsWhatFollowsTheContextsTokensAndTrailingSpaceMovesToIt()
    {
        var model = tiny.Eval;
        var request = HarnessTokens.Loglikelihood(model, "ab the", " ab", addBos: false, maxTokens: 512);
        var whole = model.Tokenizer.Encode("ab the ab").Select(i => (long)i).ToArray();
        Assert.Equal(whole, request.Ids);
        Assert.Equal(model.Tokenizer.Encode("ab the").Length, request.ScoreFrom);
        // A context ending in whitespace is scored as if the space began the continuation (_encode_pair).
        Assert.Equal(request.Ids, HarnessTokens.Loglikelihood(model, "ab the ", "ab", addBos: false, maxTokens: 512).Ids);
        var withBos = HarnessTokens.Loglikelihood(model, "ab the", " ab", addBos: true, maxTokens: 512);
        Assert.Equal([(long)model.Tokenizer.BosId, .. whole], withBos.Ids);
        Assert.Equal(request.ScoreFrom + 1, withBos.ScoreFrom);
        var truncated = HarnessTokens.Loglikelihood(model, "ab the", " ab", addBos: true, maxTokens: 3);
        Assert.Equal(withBos.Ids[^3..], truncated.Ids);
    }

    [Fact]
    public void MultipleChoiceScoresAreTheReferenceSumsAtAnyBatchSize()
    {
        var file = _raw.Jsonl("arc.jsonl",
            RawSamples.ArcV1("ab a?", ["ab", "the a", "b"], "B"),
            RawSamples.ArcV1("the ab", ["a", "ab ab ab"], "A"));
        var train = _raw.Jsonl("train.jsonl", RawSamples.ArcV1("a b", ["the", "ab"], "B"));
        var options = new EnglishRunOptions(Shots: 1, BatchSize: 8);
        var prompts = EnglishPrompts.Build(EnglishTasks.ArcChallenge, file, train, options);
        var batched = EnglishTaskRunner.Run(tiny.Eval, EnglishTasks.ArcChallenge, file, prompts, options);
        var single = EnglishTaskRunner.Run(tiny.Eval, EnglishTasks.ArcChallenge, file, prompts, options with { BatchSize = 1 });

        Assert.Equal(2, batched.Samples);
        foreach (var (sample, k) in batched.MultipleChoice!.Select((s, k) => (s, k)))
        {
            foreach (var (choice, j) in sample.Choices.Select((c, j) => (c, j)))
            {
                // Independent reference: encode context and context + " " + choice, score every position unbatched.
                var context = prompts[k].Context;
                var whole = tiny.Eval.Tokenizer.Encode(context + " " + choice.Text).Select(i => (long)i).ToArray();
                int from = tiny.Eval.Tokenizer.Encode(context).Length;
                var tokens = SequenceScorer.Score(tiny.Eval.Model, whole).Tokens;
                double expected = Enumerable.Range(from, whole.Length - from).Sum(t => tokens[t - 1].LogProb);
                Assert.Equal(expected, choice.LogLikelihood, 1e-4);
                Assert.Equal(whole[from..], choice.ContinuationIds);
                Assert.Equal(single.MultipleChoice![k].Choices[j].LogLikelihood, choice.LogLikelihood, 1e-4);
            }
            int best = sample.Choices.Select((c, j) => (c.LogLikelihood, j)).Max().j;
            Assert.Equal(best, sample.Chosen);
            Assert.Equal(sample.Chosen == sample.Gold ? 1.0 : 0.0, sample.Scores["acc"]);
        }
        Assert.Equal(batched.MultipleChoice!.Average(s => s.Scores["acc_norm"]), batched.Metrics["acc_norm"]);
        Assert.Equal(["acc", "acc_norm", "acc_bytes"], batched.Metrics.Keys);
    }

    [Fact]
    public void GenerationIsTheGreedyCompletionCutAtStopsAndScoredByBothFilters()
    {
        var file = _raw.Jsonl("gsm.jsonl", RawSamples.Gsm8k("ab a", "#### 1"), RawSamples.Gsm8k("the ab", "#### 2"), RawSamples.Gsm8k("b", "#### 3"));
        var options = new EnglishRunOptions(Shots: 0, BatchSize: 2, MaxGenTokens: 12);
        var prompts = EnglishPrompts.Build(EnglishTasks.Gsm8k, file, null, options);
        int progress = 0;
        var result = EnglishTaskRunner.Run(tiny.Eval, EnglishTasks.Gsm8k, file, prompts, options, (done, _) => progress = done);
        Assert.Equal(3, progress);
        var generator = tiny.Eval.CreateGenerator();
        foreach (var (sample, i) in result.Generations!.Select((s, i) => (s, i)))
        {
            var ids = HarnessTokens.Encode(tiny.Eval, prompts[i].Context, addBos: false).Select(x => (int)x).ToArray();
            Assert.NotEqual(tiny.Eval.Tokenizer.BosId, ids[0]);
            var alone = generator.Generate(ids, new SamplingOptions { MaxNewTokens = 12, Temperature = 0, TopP = 1 }).Text;
            Assert.Equal(EnglishTaskRunner.CutAtStops(alone, EnglishTasks.Gsm8k.Until), sample.Generated);
            Assert.Equal(Gsm8kAnswer.Strict(sample.Generated), sample.Predictions[Gsm8kAnswer.StrictMetric]);
            Assert.Equal(Gsm8kAnswer.Flexible(sample.Generated), sample.Predictions[Gsm8kAnswer.FlexibleMetric]);
            Assert.Equal(HarnessExactMatch.Gsm8k.Score(sample.Predictions[Gsm8kAnswer.FlexibleMetric], sample.Gold), sample.Scores[Gsm8kAnswer.FlexibleMetric]);
        }
        Assert.Equal([Gsm8kAnswer.StrictMetric, Gsm8kAnswer.FlexibleMetric], result.Metrics.Keys);
    }

    [Fact]
    public void MmluAccuracyWeighsSubjectsBySize()
    {
        _raw.Text("mmlu/anatomy_test.csv", "ab a,a,b,ab,the,A\nthe b,a,b,ab,the,B\nb b,a,b,ab,the,C\n");
        _raw.Text("mmlu/virology_test.csv", "a the,a,b,ab,the,D\n");
        var options = new EnglishRunOptions(Shots: 0, BatchSize: 4);
        var prompts = EnglishPrompts.Build(EnglishTasks.Mmlu, _raw.Path("mmlu"), null, options);
        var result = EnglishTaskRunner.Run(tiny.Eval, EnglishTasks.Mmlu, _raw.Path("mmlu"), prompts, options);
        Assert.Equal(["anatomy", "virology"], result.Subjects!.Keys.Order());
        Assert.Equal(3, result.Subjects["anatomy"].Samples);
        Assert.Equal(result.MultipleChoice!.Average(s => s.Scores["acc"]), result.Metrics["acc"], 1e-12);
        Assert.Equal((3 * result.Subjects["anatomy"].Acc + result.Subjects["virology"].Acc) / 4, result.Metrics["acc"], 1e-12);
        Assert.Equal(["acc"], result.Metrics.Keys);
    }
}
