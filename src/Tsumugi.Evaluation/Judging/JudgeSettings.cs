namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// How to reach the judge: an OpenAI-compatible base URL (…/v1; a trailing /chat/completions is tolerated), the model
/// name, the API key (any non-empty placeholder works for servers that do not check), the per-request timeout, how many
/// times a timed-out or server-failed request is retried, and how many requests run at once. Temperature 0 and 2048
/// output tokens follow MT-Bench.
/// </summary>
public sealed record JudgeSettings
{
    public required string Url { get; init; }
    public required string Model { get; init; }
    public string ApiKey { get; init; } = "none";
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    public int Retries { get; init; } = 2;
    public int Concurrency { get; init; } = 4;
    public int MaxTokens { get; init; } = 2048;
    public double Temperature { get; init; }

    /// <summary>
    /// Whether an answer without a <c>[[rating]]</c> is asked again (counted against <see cref="Retries"/>). Off for
    /// MT-Bench, which reports such answers as FastChat does; on for reward scoring, where a sampled judge often
    /// complies on a second try and every missing score loses a preference pair.
    /// </summary>
    public bool RetryWithoutVerdict { get; init; }

    /// <summary>Pause before retry n (1-based) is n times this: a busy server gets some air.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"judge URL '{Url}' is not an http(s) URL; give the API base, e.g. http://localhost:8000/v1.");
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("judge model name is empty; give the model id the endpoint serves.");
        if (string.IsNullOrEmpty(ApiKey)) throw new ArgumentException("judge API key is empty; use any placeholder for endpoints without keys.");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"judge timeout must be > 0 (got {Timeout.TotalSeconds} s).");
        if (Retries is < 0 or > 10) throw new ArgumentException($"judge retries must be in [0, 10] (got {Retries}).");
        if (Concurrency is < 1 or > 64) throw new ArgumentException($"judge concurrency must be in [1, 64] (got {Concurrency}).");
        if (MaxTokens < 1) throw new ArgumentException($"judge max tokens must be ≥ 1 (got {MaxTokens}).");
    }

    /// <summary>The endpoint the OpenAI client appends /chat/completions to.</summary>
    public Uri Endpoint
    {
        get
        {
            var url = Url.TrimEnd('/');
            if (url.EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase)) url = url[..^"/chat/completions".Length];
            return new Uri(url);
        }
    }
}
