namespace Tsumugi.Generation;

/// <summary>
/// How tokens are chosen and when generation ends. Defaults follow HF <c>generate</c> / the OpenAI API where they agree
/// (every penalty and filter off) and the demo's sampling (temperature 0.8, top-p 0.95). Temperature 0 is greedy.
/// Call <see cref="Validate"/> (the generator does) to reject negative or absurd values with a clear message.
/// </summary>
public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Logits are divided by this; 0 = greedy (argmax after the penalties).</summary>
    public double Temperature { get; init; } = 0.8;

    /// <summary>Keep the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this (1 = off).</summary>
    public double TopP { get; init; } = 0.95;

    /// <summary>Keep tokens with probability ≥ min_p · p_max (0 = off; llama.cpp uses 0.05).</summary>
    public double MinP { get; init; }

    /// <summary>HF/CTRL repetition penalty over prompt + output tokens (1 = off; 1.1–1.3 is typical).</summary>
    public double RepetitionPenalty { get; init; } = 1;

    /// <summary>OpenAI frequency penalty: logit −= count · this, count over generated tokens (0 = off; −2..2).</summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>OpenAI presence penalty: logit −= this for every token generated at least once (0 = off; −2..2).</summary>
    public double PresencePenalty { get; init; }

    /// <summary>HF no_repeat_ngram_size: never produce an n-gram that already occurs in prompt + output (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Strings that end generation; the returned text stops just before the first one (may span tokens).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    public long Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option and its allowed range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(MaxNewTokens >= 0, $"max_tokens must be ≥ 0 (got {MaxNewTokens}).");
        Check(double.IsFinite(Temperature) && Temperature is >= 0 and <= 100, $"temperature must be in [0, 100] (got {Temperature}); 0 means greedy.");
        Check(TopK >= 0, $"top_k must be ≥ 0 (got {TopK}); 0 turns it off.");
        Check(TopP is > 0 and <= 1, $"top_p must be in (0, 1] (got {TopP}); 1 turns it off.");
        Check(MinP is >= 0 and <= 1, $"min_p must be in [0, 1] (got {MinP}); 0 turns it off.");
        Check(RepetitionPenalty is > 0 and <= 100, $"repetition_penalty must be in (0, 100] (got {RepetitionPenalty}); 1 turns it off.");
        Check(FrequencyPenalty is >= -2 and <= 2, $"frequency_penalty must be in [-2, 2] (got {FrequencyPenalty}).");
        Check(PresencePenalty is >= -2 and <= 2, $"presence_penalty must be in [-2, 2] (got {PresencePenalty}).");
        Check(NoRepeatNgramSize >= 0, $"no_repeat_ngram_size must be ≥ 0 (got {NoRepeatNgramSize}); 0 turns it off.");
        Check(Stop.Count <= 16, $"at most 16 stop sequences are allowed (got {Stop.Count}).");
        Check(Stop.All(s => !string.IsNullOrEmpty(s)), "stop sequences must not be empty strings.");
    }
}
