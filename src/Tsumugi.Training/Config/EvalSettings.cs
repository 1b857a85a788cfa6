namespace Tsumugi.Training.Config;

/// <summary><c>eval:</c> held-out perplexity per domain (rows from <c>data.validation_fraction</c>).</summary>
public sealed record EvalSettings
{
    /// <summary>Every N steps (0 = only at the end).</summary>
    public long Interval { get; init; } = 1000;

    /// <summary>Held-out rows per dataset per evaluation.</summary>
    public int MaxRows { get; init; } = 32;
}
