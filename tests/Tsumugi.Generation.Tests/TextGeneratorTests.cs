using TorchSharp;
using Tsumugi.Generation;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Tests;

public sealed class TextGeneratorTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    const string Prompt = "東京は";
    static readonly SamplingOptions Greedy = new() { Temperature = 0, MaxNewTokens = 16 };

    TextGenerator NewGenerator() => new(fx.Model, fx.Tokenizer) { StopIds = [] };

    [Fact]
    public void GreedyWithTheCacheMatchesArgmaxOfFullForwardsAndIsDeterministic()
    {
        var g = NewGenerator();
        var result = g.Generate(Prompt, Greedy);
        Assert.Equal(result, g.Generate(Prompt, Greedy) with { TokenIds = result.TokenIds }); // same text and counts
        Assert.Equal(result.TokenIds, g.Generate(Prompt, Greedy).TokenIds);

        // Reference without a cache: the whole sequence through the model at every step.
        var ids = g.EncodePrompt(Prompt).ToList();
        using (no_grad())
        {
            for (int i = 0; i < Greedy.MaxNewTokens; i++)
            {
                using var scope = NewDisposeScope();
                var logits = fx.Model.Forward(tensor(ids.Select(x => (long)x).ToArray(), [1, ids.Count])).Logits[0, -1];
                ids.Add((int)logits.argmax().item<long>());
            }
        }
        Assert.Equal(ids.Skip(g.EncodePrompt(Prompt).Count), result.TokenIds);
        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.Equal("length", result.FinishReasonText);
        Assert.Equal(16, result.CompletionTokens);
        Assert.Equal(g.EncodePrompt(Prompt).Count, result.PromptTokens);
        Assert.Equal(fx.Tokenizer.Decode(result.TokenIds.ToList()), result.Text);
    }

    [Fact]
    public void TheSameSeedGivesTheSameSampleAndAnotherSeedAnother()
    {
        var g = NewGenerator();
        SamplingOptions Options(long seed) => new() { Temperature = 1.0, TopP = 1, MaxNewTokens = 24, Seed = seed };
        var a = g.Generate(Prompt, Options(42));
        Assert.Equal(a.TokenIds, g.Generate(Prompt, Options(42)).TokenIds);
        Assert.NotEqual(a.TokenIds, g.Generate(Prompt, Options(43)).TokenIds);
        Assert.NotEqual(a.TokenIds, g.Generate(Prompt, Greedy with { MaxNewTokens = 24 }).TokenIds);
    }

    [Fact]
    public void StreamedDeltasConcatenateToTheResultAndNeverSplitACharacter()
    {
        var g = NewGenerator();
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 40, Seed = 1 };
        var deltas = g.Stream(Prompt, options).ToList();
        var final = deltas[^1].Final!;
        Assert.All(deltas[..^1], d => Assert.Null(d.Final));
        Assert.Equal(final.Text, string.Concat(deltas.Select(d => d.Text)));
        Assert.Equal(fx.Tokenizer.Decode(final.TokenIds.ToList()), final.Text);
        Assert.All(deltas, d => Assert.False(d.Text.Length > 0 && char.IsHighSurrogate(d.Text[^1])));
        Assert.True(final.TokenIds.Count(id => fx.Tokenizer.IdToPiece(id).StartsWith("<0x")) > 10, "the tiny vocabulary should make most sampled tokens byte pieces");
    }

    [Fact]
    public async Task StreamAsyncGivesTheSameDeltasAsStream()
    {
        var g = NewGenerator();
        var options = new SamplingOptions { Temperature = 0.7, MaxNewTokens = 12, Seed = 9 };
        var expected = g.Stream(Prompt, options).Select(d => d.Text).ToList();
        var actual = new List<string>();
        await foreach (var d in g.StreamAsync(Prompt, options)) actual.Add(d.Text);
        Assert.Equal(expected, actual);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { await foreach (var _ in g.StreamAsync(Prompt, options, cancelled.Token)) { } });
    }

    [Fact]
    public void AStopStringSpanningTokensEndsTheTextJustBeforeIt()
    {
        var g = NewGenerator();
        var options = Greedy with { MaxNewTokens = 40 };
        var deltas = g.Stream(Prompt, options).Select(d => d.Text).Where(d => d.Length > 0).ToList();
        var full = string.Concat(deltas);
        // A stop string made of the end of one delta and the start of the next spans at least two tokens.
        int k = deltas.Count / 2;
        var stop = deltas[k][^1..] + deltas[k + 1][..1];
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var streamed = g.Stream(Prompt, options with { Stop = ["never-there", stop] }).ToList();
        var result = streamed[^1].Final!;
        Assert.Equal(expected, result.Text);
        Assert.Equal(expected, string.Concat(streamed.Select(d => d.Text)));
        Assert.Equal(FinishReason.Stop, result.FinishReason);
        Assert.Equal("stop", result.FinishReasonText);
        Assert.True(result.CompletionTokens < 40);
    }

    [Fact]
    public void AnEosIdStopsGenerationAndIsNotPartOfTheOutput()
    {
        var plain = NewGenerator().Generate(Prompt, Greedy);
        int eos = plain.TokenIds[3];
        int at = plain.TokenIds.ToList().IndexOf(eos);
        var result = new TextGenerator(fx.Model, fx.Tokenizer) { StopIds = [eos] }.Generate(Prompt, Greedy);
        Assert.Equal(plain.TokenIds.Take(at), result.TokenIds);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
        Assert.Equal(at + 1, result.CompletionTokens); // the EOS was sampled, so it counts
        Assert.Equal(fx.Tokenizer.Decode(result.TokenIds.ToList()), result.Text);
    }

    [Fact]
    public void RepetitionPenaltyAndNoRepeatNgramReduceRepeats()
    {
        var g = NewGenerator();
        var options = Greedy with { MaxNewTokens = 40 };
        static int Repeats(IReadOnlyList<int> ids) => ids.Count - ids.Distinct().Count();
        static int RepeatedBigrams(IReadOnlyList<int> ids) => ids.Count - 1 - ids.Zip(ids.Skip(1)).Distinct().Count();

        var plain = g.Generate(Prompt, options).TokenIds;
        Assert.True(Repeats(plain) > 5, $"the tiny random model should repeat itself without a penalty (repeats: {Repeats(plain)})");
        var penalised = g.Generate(Prompt, options with { RepetitionPenalty = 2.0 }).TokenIds;
        Assert.True(Repeats(penalised) < Repeats(plain), $"repeats {Repeats(penalised)} with the penalty vs {Repeats(plain)} without");

        Assert.True(RepeatedBigrams(plain) > 0);
        var prompt = g.EncodePrompt(Prompt);
        var noRepeat = g.Generate(Prompt, options with { NoRepeatNgramSize = 2 }).TokenIds;
        Assert.Equal(0, RepeatedBigrams([.. prompt, .. noRepeat]));

        var frequency = g.Generate(Prompt, options with { FrequencyPenalty = 2, PresencePenalty = 2 }).TokenIds;
        Assert.True(Repeats(frequency) < Repeats(plain));
    }

    [Fact]
    public void GenerationLeaksNoTensors()
    {
        var g = NewGenerator();
        g.Generate(Prompt, Greedy); // warm-up
        // LlamaForCausalLM.NewCache itself leaves a couple of live tensor handles (Modeling reads the embedding
        // parameter twice); measure that residue so the assertion below is about the generator alone.
        long start = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        fx.Model.NewCache(1, 8).Dispose();
        long perCache = DisposeScopeManager.Statistics.ThreadTotalLiveCount - start;
        Assert.InRange(perCache, 0, 4);

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) g.Generate(Prompt, Greedy with { Temperature = 0.9, TopK = 50, Seed = i });
        g.Stream(Prompt, Greedy).Take(2).ToList(); // abandoned mid-way: the enumerator's disposal frees the cache
        Assert.Equal(before + 4 * perCache, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RowsOfAnEmbeddingPaddedPastTheVocabularyAreNeverSampled()
    {
        var config = Tsumugi.Modeling.ModelPresets.Get("tiny");
        config.VocabSize = fx.Tokenizer.VocabSize + 700; // most of the mass is on rows the tokenizer cannot decode
        using var padded = new Tsumugi.Modeling.LlamaForCausalLM(config);
        padded.InitializeWeights(5);
        var result = new TextGenerator(padded, fx.Tokenizer) { StopIds = [] }.Generate(Prompt, new SamplingOptions { Temperature = 2, TopP = 1, MaxNewTokens = 40, Seed = 2 });
        Assert.Equal(40, result.TokenIds.Count);
        Assert.All(result.TokenIds, id => Assert.InRange(id, 0, fx.Tokenizer.VocabSize - 1));
    }

    [Fact]
    public void BadRequestsFailEagerlyWithClearMessages()
    {
        var g = NewGenerator();
        var tooLong = Assert.Throws<ArgumentException>(() => g.Stream(Prompt, Greedy with { MaxNewTokens = 600 }));
        Assert.Contains("exceeds the model's context of 512 tokens", tooLong.Message);
        Assert.Throws<ArgumentException>(() => g.Stream(Prompt, Greedy with { TopP = 0 }));
        var zero = g.Generate(Prompt, Greedy with { MaxNewTokens = 0 });
        Assert.Equal(("", 0, FinishReason.Length), (zero.Text, zero.CompletionTokens, zero.FinishReason));
    }
}
