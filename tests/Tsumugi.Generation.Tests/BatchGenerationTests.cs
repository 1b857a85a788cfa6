using Tsumugi.Generation;

namespace Tsumugi.Generation.Tests;

/// <summary>
/// <see cref="TextGenerator.GenerateBatch"/> and <see cref="DecodeBatch"/>: prompts of different lengths decoded
/// together give each prompt what it gets alone — tokens, text, finish reason and usage.
/// </summary>
public sealed class BatchGenerationTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    static readonly string[] Prompts = ["東京は", "むかしむかし、あるところに", "a", "The quick brown fox jumps over", "日本語の文章を書く。"];

    TextGenerator NewGenerator() => new(fx.Model, fx.Tokenizer) { StopIds = [] };

    IReadOnlyList<IReadOnlyList<int>> Encoded(TextGenerator g) => Prompts.Select(p => g.EncodePrompt(p)).ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // fewer rows than prompts: finished rows are refilled
    [InlineData(8)]
    public void BatchedEqualsOneAtATime(int batchSize)
    {
        var g = NewGenerator();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 12 };
        var batched = g.GenerateBatch(Encoded(g), options, batchSize);
        Assert.Equal(Prompts.Length, batched.Count);
        for (int i = 0; i < Prompts.Length; i++)
        {
            var alone = g.Generate(Prompts[i], options);
            Assert.Equal(alone.TokenIds, batched[i].TokenIds);
            Assert.Equal(alone with { TokenIds = batched[i].TokenIds }, batched[i]);
        }
    }

    [Fact]
    public void SampledSequencesKeepTheirOwnSeedStream()
    {
        var g = NewGenerator();
        var options = new SamplingOptions { Temperature = 1.0, TopK = 20, MaxNewTokens = 10, Seed = 5, RepetitionPenalty = 1.2 };
        var batched = g.GenerateBatch(Encoded(g), options, batchSize: 4);
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(g.Generate(Prompts[i], options).TokenIds, batched[i].TokenIds);
    }

    /// <summary>
    /// k answers to each prompt, added one after another with their own seeds (online DPO's sampling): every repeat of a
    /// prompt reuses the first one's prefill, and each answer is still the one its seed gives alone — also when rows run
    /// out mid-prompt, so the row holding the prompt has moved or finished.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(3)]
    public void RepeatedPromptsWithTheirOwnSeedsEqualEachDecodedAlone(int batchSize)
    {
        var g = NewGenerator();
        var prompts = Encoded(g).SelectMany(p => Enumerable.Repeat(p, 4)).ToList();
        var options = prompts.Select((_, i) => new SamplingOptions { Temperature = 1.0, MaxNewTokens = 1 + i % 7, Seed = 100 + i }).ToList();
        var batched = g.GenerateBatch(prompts, options, batchSize);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(g.Generate(prompts[i], options[i]).TokenIds, batched[i].TokenIds);
        Assert.True(batched.Where((_, i) => i % 4 > 0).Any(r => !r.TokenIds.SequenceEqual(batched[0].TokenIds)), "the seeds should give different answers");
    }

    [Fact]
    public void StopIdsStopStringsAndZeroTokensEndRowsIndependently()
    {
        var free = NewGenerator();
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = 12 };
        var reference = free.Generate(Prompts[1], greedy);
        // Make the 4th sampled token of prompt 1 a stop id, and a stop string out of part of prompt 0's text.
        var stopping = new TextGenerator(fx.Model, fx.Tokenizer) { StopIds = [reference.TokenIds[3]] };
        var text0 = free.Generate(Prompts[0], greedy).Text;
        var stop = text0.Length > 4 ? text0.Substring(2, 2) : text0;
        var options = greedy with { Stop = [stop] };
        var batched = stopping.GenerateBatch(Encoded(stopping), options, batchSize: 3);
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(stopping.Generate(Prompts[i], options), batched[i], new ResultComparer());
        Assert.Equal(FinishReason.Stop, batched[0].FinishReason);
        Assert.Equal(FinishReason.Stop, batched[1].FinishReason);

        var none = free.GenerateBatch(Encoded(free), greedy with { MaxNewTokens = 0 }, batchSize: 2);
        Assert.All(none, r => Assert.Equal(0, r.CompletionTokens));
    }

    [Fact]
    public void APromptThatDoesNotFitIsRefusedClearly()
    {
        var g = NewGenerator();
        var tooLong = Enumerable.Repeat(5, fx.Model.Config.MaxPositionEmbeddings).ToList();
        var e = Assert.Throws<ArgumentException>(() => g.GenerateBatch([g.EncodePrompt("a"), tooLong], new SamplingOptions { MaxNewTokens = 4 }));
        Assert.Contains("exceeds the model's context", e.Message);
    }

    sealed class ResultComparer : IEqualityComparer<GenerationResult>
    {
        public bool Equals(GenerationResult? a, GenerationResult? b) =>
            a!.Text == b!.Text && a.TokenIds.SequenceEqual(b.TokenIds) && a.FinishReason == b.FinishReason
            && a.PromptTokens == b.PromptTokens && a.CompletionTokens == b.CompletionTokens;

        public int GetHashCode(GenerationResult r) => r.Text.GetHashCode();
    }
}
