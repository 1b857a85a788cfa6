namespace Tsumugi.Generation;

/// <summary>
/// Picks the next token from one row of logits, in HF <c>generate</c>'s order: repetition penalty, frequency/presence
/// penalties, no-repeat n-gram (processors), then temperature → top-k → top-p → min-p (warpers) and a draw from the
/// seeded generator. Temperature 0 is greedy: the argmax after the processors, with no randomness at all.
/// </summary>
public sealed class LogitSampler
{
    readonly SamplingOptions _options;
    readonly Random _random;

    public LogitSampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        // Seeded System.Random is the documented-stable legacy algorithm, so a seed gives the same draws on every run.
        _random = new Random(unchecked((int)(options.Seed ^ (options.Seed >>> 32))));
    }

    /// <summary>Chooses a token. <paramref name="logits"/> is modified; <paramref name="context"/> is prompt + output so far.</summary>
    public int Next(float[] logits, IReadOnlyList<int> context, int promptLength)
    {
        var o = _options;
        var raw = o.Temperature == 0 ? null : (float[])logits.Clone();
        LogitProcessors.RepetitionPenalty(logits, context, o.RepetitionPenalty);
        LogitProcessors.FrequencyPresencePenalty(logits, context.Skip(promptLength), o.FrequencyPenalty, o.PresencePenalty);
        LogitProcessors.NoRepeatNgram(logits, context, o.NoRepeatNgramSize);
        if (o.Temperature == 0) return LogitProcessors.ArgMax(logits);
        // Every token banned (possible only with tiny vocabularies and n-gram bans): sample from the raw row rather than NaN.
        if (float.IsNegativeInfinity(logits.Max())) logits = raw!;
        LogitProcessors.Temperature(logits, o.Temperature);
        LogitProcessors.TopK(logits, o.TopK);
        LogitProcessors.TopP(logits, o.TopP);
        LogitProcessors.MinP(logits, o.MinP);
        return Draw(LogitProcessors.Softmax(logits));
    }

    int Draw(double[] probs)
    {
        double u = _random.NextDouble(), cumulative = 0;
        int last = 0;
        for (int i = 0; i < probs.Length; i++)
        {
            if (probs[i] == 0) continue;
            last = i;
            if ((cumulative += probs[i]) > u) return i;
        }
        return last; // rounding left u just above the total mass
    }
}
