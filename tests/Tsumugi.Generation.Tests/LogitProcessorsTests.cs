using Tsumugi.Generation;

namespace Tsumugi.Generation.Tests;

public sealed class LogitProcessorsTests
{
    const float Inf = float.NegativeInfinity;

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokensOnce()
    {
        float[] logits = [2f, -1f, 3f, 0.5f];
        LogitProcessors.RepetitionPenalty(logits, [0, 1, 1, 0], 2.0); // duplicates are penalised once, as in HF (gather/scatter)
        Assert.Equal([1f, -2f, 3f, 0.5f], logits);
    }

    [Fact]
    public void FrequencyAndPresencePenaltiesFollowOpenAi()
    {
        float[] logits = [1f, 1f, 1f];
        // token 0 seen 3 times, token 2 once: 1 − 3·0.5 − 0.25 = −0.75 and 1 − 0.5 − 0.25 = 0.25.
        LogitProcessors.FrequencyPresencePenalty(logits, [0, 0, 2, 0], 0.5, 0.25);
        Assert.Equal([-0.75f, 1f, 0.25f], logits);
    }

    [Fact]
    public void NoRepeatNgramBansTokensThatWouldRepeatAnNgram()
    {
        float[] logits = [0f, 0f, 0f, 0f, 0f];
        // context 1 2 3 1 2: the last 2 tokens "1 2" were followed by 3 → ban 3 for n = 3.
        LogitProcessors.NoRepeatNgram(logits, [1, 2, 3, 1, 2], 3);
        Assert.Equal([0f, 0f, 0f, Inf, 0f], logits);
        float[] bigram = [0f, 0f, 0f, 0f, 0f];
        // n = 2: the last token 2 was followed by 3 earlier; 1 was followed by 2.
        LogitProcessors.NoRepeatNgram(bigram, [1, 2, 3, 1, 2], 2);
        Assert.Equal([0f, 0f, 0f, Inf, 0f], bigram);
        float[] unigram = [0f, 0f, 0f, 0f, 0f];
        LogitProcessors.NoRepeatNgram(unigram, [1, 4], 1); // n = 1 bans every token already present
        Assert.Equal([0f, Inf, 0f, 0f, Inf], unigram);
    }

    [Fact]
    public void TopKKeepsTheKLargest()
    {
        float[] logits = [1f, 5f, 3f, 4f];
        LogitProcessors.TopK(logits, 2);
        Assert.Equal([Inf, 5f, Inf, 4f], logits);
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        // probabilities 0.5, 0.3, 0.2 (log-probabilities as logits).
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.2f), MathF.Log(0.3f)];
        var copy = (float[])logits.Clone();
        LogitProcessors.TopP(copy, 0.7); // 0.5 < 0.7 → keep the 0.3 too; 0.8 ≥ 0.7 → drop 0.2
        Assert.Equal([logits[0], Inf, logits[2]], copy);
        copy = (float[])logits.Clone();
        LogitProcessors.TopP(copy, 0.4); // the most likely token always stays
        Assert.Equal([logits[0], Inf, Inf], copy);
    }

    [Fact]
    public void MinPDropsTokensBelowAFractionOfTheMostLikely()
    {
        float[] logits = [MathF.Log(0.6f), MathF.Log(0.25f), MathF.Log(0.15f)];
        var copy = (float[])logits.Clone();
        LogitProcessors.MinP(copy, 0.3); // threshold 0.18: keep 0.6 and 0.25, drop 0.15
        Assert.Equal([logits[0], logits[1], Inf], copy);
    }

    [Fact]
    public void TemperatureDividesLogits()
    {
        float[] logits = [1f, -2f];
        LogitProcessors.Temperature(logits, 0.5);
        Assert.Equal([2f, -4f], logits);
    }

    [Fact]
    public void GreedyPicksTheArgmaxAfterPenalties()
    {
        var sampler = new LogitSampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 4 });
        // token 0 (logit 3) was in the prompt → 0.75 < token 1's 2.
        Assert.Equal(1, sampler.Next([3f, 2f, 1f], [0], promptLength: 1));
        Assert.Equal(0, new LogitSampler(new SamplingOptions { Temperature = 0 }).Next([3f, 2f, 1f], [0], 1));
    }

    [Fact]
    public void SamplingWithASeedIsReproducibleAndFollowsTheDistribution()
    {
        float[] logits = [MathF.Log(0.7f), MathF.Log(0.2f), MathF.Log(0.1f)];
        int[] Draws(long seed)
        {
            var s = new LogitSampler(new SamplingOptions { Temperature = 1, TopP = 1, Seed = seed });
            return Enumerable.Range(0, 4000).Select(_ => s.Next((float[])logits.Clone(), [], 0)).ToArray();
        }
        var a = Draws(7);
        Assert.Equal(a, Draws(7));
        Assert.NotEqual(a, Draws(8));
        Assert.InRange(a.Count(x => x == 0) / 4000.0, 0.66, 0.74);
        Assert.InRange(a.Count(x => x == 2) / 4000.0, 0.08, 0.12);
    }

    [Fact]
    public void TopKOfOneSamplesLikeGreedy()
    {
        var s = new LogitSampler(new SamplingOptions { Temperature = 1.5, TopK = 1, Seed = 3 });
        for (int i = 0; i < 50; i++) Assert.Equal(2, s.Next([0.1f, 0.2f, 0.3f, -1f], [], 0));
    }

    [Theory]
    [InlineData("temperature", -1.0, 0, 1.0)]
    [InlineData("top_p", 0.8, 0, 0.0)]
    [InlineData("top_p", 0.8, 0, 1.5)]
    [InlineData("repetition_penalty", 0.8, 0, 1.0)]
    public void InvalidOptionsAreRejectedWithTheirName(string name, double temperature, int topK, double topP)
    {
        var o = name switch
        {
            "repetition_penalty" => new SamplingOptions { RepetitionPenalty = 0 },
            _ => new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP },
        };
        var e = Assert.Throws<ArgumentException>(o.Validate);
        Assert.StartsWith(name, e.Message);
    }

    [Fact]
    public void OtherInvalidOptionsAreRejected()
    {
        Assert.Contains("max_tokens", Assert.Throws<ArgumentException>(new SamplingOptions { MaxNewTokens = -1 }.Validate).Message);
        Assert.Contains("top_k", Assert.Throws<ArgumentException>(new SamplingOptions { TopK = -2 }.Validate).Message);
        Assert.Contains("min_p", Assert.Throws<ArgumentException>(new SamplingOptions { MinP = 1.5 }.Validate).Message);
        Assert.Contains("frequency_penalty", Assert.Throws<ArgumentException>(new SamplingOptions { FrequencyPenalty = 3 }.Validate).Message);
        Assert.Contains("presence_penalty", Assert.Throws<ArgumentException>(new SamplingOptions { PresencePenalty = double.NaN }.Validate).Message);
        Assert.Contains("no_repeat_ngram_size", Assert.Throws<ArgumentException>(new SamplingOptions { NoRepeatNgramSize = -1 }.Validate).Message);
        Assert.Contains("stop", Assert.Throws<ArgumentException>(new SamplingOptions { Stop = [""] }.Validate).Message);
        Assert.Contains("temperature", Assert.Throws<ArgumentException>(new SamplingOptions { Temperature = double.PositiveInfinity }.Validate).Message);
        new SamplingOptions { Temperature = 0, TopK = 5, MinP = 0.1, RepetitionPenalty = 1.2, Stop = ["\n"] }.Validate();
    }

    [Fact]
    public void ArgMaxTakesTheFirstLargestAndPassesOverNaN()
    {
        var row = Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i)).ToArray();
        row[700] = row[900] = 5f;
        row[100] = float.NegativeInfinity;
        Assert.Equal(700, LogitProcessors.ArgMax(row));
        row[300] = float.NaN; // what a vectorised index-of-max would return; greedy decoding keeps the largest number
        Assert.Equal(700, LogitProcessors.ArgMax(row));
    }
}
