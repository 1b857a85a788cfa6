using Tsumugi.Common.Config;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>Sampling settings of one kind of request (answers, invented prompts, judging).</summary>
public sealed record Sampling(double Temperature, double TopP, int MaxTokens)
{
    /// <summary>Judging: greedy, short (a rating and a sentence or two of reasons).</summary>
    public static Sampling Judge { get; } = new(0, 1, 512);

    public static Sampling Read(YamlSection s, Sampling fallback)
    {
        var sampling = new Sampling(s.Double("temperature", fallback.Temperature, 0, 2), s.Double("top_p", fallback.TopP, 0, 1), s.Int("max_tokens", fallback.MaxTokens, 1));
        s.EnsureAllUsed();
        return sampling;
    }
}
