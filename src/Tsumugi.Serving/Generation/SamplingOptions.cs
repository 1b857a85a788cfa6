namespace Tsumugi.Serving.Generation;

/// <summary>How <see cref="TokenSampler"/> picks tokens. Temperature 0 is greedy.</summary>
public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 64;
    public double Temperature { get; init; } = 0.8;

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this (1 = off).</summary>
    public double TopP { get; init; } = 0.95;

    public long Seed { get; init; }
}
