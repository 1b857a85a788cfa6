using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Evaluation.Tasks;
using Tsumugi.Modeling;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Tests;

/// <summary>Batched scoring, perplexity and task runs against the unbatched reference (<see cref="SequenceScorer"/>, the generator).</summary>
public sealed class ScoringTests(TinyEvalModel tiny) : IClassFixture<TinyEvalModel>
{
    static readonly string[] Texts =
    [
        "東京は日本の首都です。", "ab ab the a", "今日は晴れ。\n明日は雨かもしれません。", "a", "the quick brown fox jumps over the lazy dog 東京",
    ];

    [Fact]
    public void RightPaddedBatchesGiveTheUnbatchedLogProbabilities()
    {
        var requests = Texts.Select((t, i) => new ScoreRequest(tiny.Eval.Encode(t), 1 + i % 2)).Where(r => r.Ids.Length > r.ScoreFrom).ToList();
        var batched = BatchScorer.Score(tiny.Eval.Model, requests, batchSize: 4);
        for (int i = 0; i < requests.Count; i++)
        {
            var reference = SequenceScorer.Score(tiny.Eval.Model, requests[i].Ids).Tokens.Skip(requests[i].ScoreFrom - 1).Select(t => t.LogProb).ToArray();
            Assert.Equal(reference.Length, batched[i].Length);
            for (int j = 0; j < reference.Length; j++) Assert.Equal(reference[j], batched[i][j], 1e-4);
        }
    }

    [Fact]
    public void LongRowsOnACpuAreBatchedUpToTheTokenCapWithTheSameResults()
    {
        var rng = new Random(2);
        int vocab = (int)tiny.Eval.Model.Config.VocabSize;
        // Widths 200, 120, 100, 60, 30, 20: the cap of 256 padded tokens puts 200 alone, then 120 + 100, then the rest.
        var requests = new[] { 60, 200, 20, 120, 30, 100 }
            .Select(n => new ScoreRequest([1, .. Enumerable.Range(1, n - 1).Select(_ => (long)rng.Next(3, vocab))], 1)).ToList();
        var batches = new List<int>();
        var batched = BatchScorer.Score(tiny.Eval.Model, requests, batchSize: 8, batches.Add);
        Assert.Equal([1, 2, 3], batches);
        for (int i = 0; i < requests.Count; i++)
        {
            var reference = SequenceScorer.Score(tiny.Eval.Model, requests[i].Ids).Tokens.Select(t => t.LogProb).ToArray();
            Assert.Equal(reference.Length, batched[i].Length);
            for (int j = 0; j < reference.Length; j++) Assert.Equal(reference[j], batched[i][j], 1e-4);
        }
    }

    [Fact]
    public void PerplexityCountsEveryTokenOnceAndDoesNotDependOnBatching()
    {
        var docs = Texts.Select((t, i) => new EvalDocument($"doc{i}", i % 2 == 0 ? "ja" : "en", t)).Append(new EvalDocument("empty", "ja", "")).ToList();
        var unbatched = PerplexityEvaluator.Evaluate(tiny.Eval, docs, new PerplexityOptions(8, 3, 1));
        var batched = PerplexityEvaluator.Evaluate(tiny.Eval, docs, new PerplexityOptions(8, 3, 5));
        Assert.Equal(1, unbatched.SkippedDocuments);
        Assert.Equal(["all", "en", "ja"], unbatched.Domains.Select(d => d.Domain).Order());
        foreach (var (u, b) in unbatched.Domains.Zip(batched.Domains))
        {
            Assert.Equal(u.Tokens, b.Tokens);
            Assert.Equal(u.NllNats, b.NllNats, 1e-4);
        }
        // With a window as long as the model allows, one window per document: the NLL is the whole-sequence NLL.
        var whole = PerplexityEvaluator.Evaluate(tiny.Eval, docs, new PerplexityOptions(512, 256, 3));
        var ja = whole.Domains.Single(d => d.Domain == "ja");
        var expected = Texts.Where((_, i) => i % 2 == 0).Select(t => SequenceScorer.Score(tiny.Eval.Model, tiny.Eval.Encode(t)).TotalNll).Sum();
        Assert.Equal(expected, ja.NllNats, 1e-4);
        Assert.Equal(Texts.Where((_, i) => i % 2 == 0).Sum(t => tiny.Eval.Encode(t).Length - 1), ja.Tokens);
        Assert.Equal(Texts.Where((_, i) => i % 2 == 0).Sum(t => t.Length), ja.Characters);
        Assert.Equal(ja.NllNats / Math.Log(2) / ja.Characters, whole.Metrics()["bits_per_char/ja"], 1e-12);
        // Windows shorter than the document give each token less history, so a different (but finite) NLL.
        Assert.True(unbatched.Domains.Single(d => d.Domain == "ja").NllNats is var windowed && double.IsFinite(windowed) && Math.Abs(windowed - ja.NllNats) > 1e-6);
    }

    [Fact]
    public void MultipleChoiceScoresAreContinuationSumsAndDoNotDependOnBatching()
    {
        var task = new EvalTask("mc", "mc.json", "選んでください。", 0, ["acc", "acc_norm"], [new TaskExample("例", "はい", ["はい", "いいえ"], 0)],
        [
            new TaskExample("東京は?", "首都", ["首都", "村", "ab"], 0),
            new TaskExample("the a", "b", ["a", "b"], 1),
            new TaskExample("今日は", "晴れ。", ["雨", "晴れ。", "the ab"], 1),
        ]);
        var one = TaskRunner.Run(tiny.Eval, task, new TaskRunOptions(BatchSize: 1));
        var many = TaskRunner.Run(tiny.Eval, task, new TaskRunOptions(BatchSize: 7));
        Assert.Equal(one.Metrics, many.Metrics);
        foreach (var (a, b) in one.MultipleChoice!.Zip(many.MultipleChoice!))
        {
            Assert.Equal((a.Chosen, a.ChosenNorm), (b.Chosen, b.ChosenNorm));
            foreach (var (ca, cb) in a.Choices.Zip(b.Choices))
            {
                Assert.Equal(ca.LogLikelihood, cb.LogLikelihood, 1e-4);
                var reference = SequenceScorer.Score(tiny.Eval.Model, ca.TokenIds).Tokens.Where(t => t.Position >= ca.ContinuationStart).Sum(t => t.LogProb);
                Assert.Equal(reference, ca.LogLikelihood, 1e-4);
                Assert.Equal(ca.LogLikelihood / ca.Text.Length, ca.LogLikelihoodPerChar, 1e-12);
            }
            Assert.Equal(a.Choices.Select(c => c.LogLikelihood).ToList().IndexOf(a.Choices.Max(c => c.LogLikelihood)), a.Chosen);
        }
        // The scored tokens are exactly the context + choice encoding, with the context's tokens before the boundary.
        var first = one.MultipleChoice![0].Choices[0];
        var prompt = PromptTemplate.Build(task.Instruction, task.FewShots, task.Samples[0].Input);
        Assert.Equal(tiny.Eval.Encode(prompt + "首都"), first.TokenIds);
        Assert.Equal(tiny.Eval.Encode(prompt)[..first.ContinuationStart], first.TokenIds[..first.ContinuationStart]);
        Assert.Equal(one.Samples, one.MultipleChoice.Count);
    }

    [Fact]
    public void GenerationTasksScoreTheGreedyFirstLine()
    {
        var task = new EvalTask("qa", "qa.json", "答えてください。", 6, ["exact_match", "char_f1"], [new TaskExample("東京は?", "首都")],
            [new TaskExample("the", "ab"), new TaskExample("今日は", "晴れ")]);
        var result = TaskRunner.Run(tiny.Eval, task, new TaskRunOptions(Shots: 0, BatchSize: 2));
        Assert.Equal(0, result.Shots);
        var generator = new TextGenerator(tiny.Eval.Model, tiny.Eval.Tokenizer);
        foreach (var (sample, i) in result.Generations!.Select((s, i) => (s, i)))
        {
            var prompt = PromptTemplate.Build(task.Instruction, [], task.Samples[i].Input);
            var greedy = generator.Generate(prompt, new SamplingOptions { MaxNewTokens = 6, Temperature = 0, TopP = 1 });
            Assert.Equal(greedy.Text, sample.Generated);
            Assert.Equal(TaskRunner.Prediction(greedy.Text), sample.Prediction);
            Assert.Equal(Metrics.CharF1.Score(sample.Prediction, task.Samples[i].Output), sample.Scores["char_f1"], 1e-12);
        }
        Assert.Equal(result.Generations!.Average(g => g.Scores["char_f1"]), result.Metrics["char_f1"], 1e-12);
    }

    [Fact]
    public void ATokenizerLargerThanTheModelVocabularyIsRefused()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = TinyEvalModel.Tokenizer().VocabSize;
        using var model = new LlamaForCausalLM(config);
        var bigger = TinyEvalModel.Tokenizer(extraPieces: 10);
        var e = Assert.Throws<InvalidDataException>(() => new PretrainedModel(model, bigger, "m"));
        Assert.Contains($"{bigger.VocabSize} pieces", e.Message);
        Assert.Contains($"vocab_size is {config.VocabSize}", e.Message);
    }
}
