namespace Tsumugi.Serving.Server;

/// <summary>Where and how the OpenAI-compatible server listens. Port 0 lets the OS pick a free port (tests).</summary>
public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8000;

    /// <summary>When set, every /v1 request must send <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests decoded together (continuous batching: each joins and leaves between decode steps).</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Requests allowed to wait while <see cref="MaxBatch"/> decode; more get 429.</summary>
    public int MaxQueue { get; init; } = 16;

    /// <summary>Largest request body accepted; a larger one gets 413 before it is read (1 MiB holds ~300k Japanese characters).</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>Longest prompt, in tokens, a request may send (null: anything that fits the context window).</summary>
    public int? MaxPromptTokens { get; init; }

    /// <summary>
    /// Most new tokens one request may ask for (null: up to the context window). A request asking for more gets 400;
    /// one that names no limit (chat) is capped at it.
    /// </summary>
    public int? MaxTokensLimit { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first limit that is out of range.</summary>
    public void Validate()
    {
        if (MaxQueue < 0) throw new ArgumentException($"--max-queue must be ≥ 0 (got {MaxQueue}).");
        if (MaxRequestBytes <= 0) throw new ArgumentException($"--max-request-bytes must be > 0 (got {MaxRequestBytes}).");
        if (MaxPromptTokens is <= 0) throw new ArgumentException($"--max-prompt-tokens must be > 0 (got {MaxPromptTokens}).");
        if (MaxTokensLimit is <= 0) throw new ArgumentException($"--max-tokens-limit must be > 0 (got {MaxTokensLimit}).");
        if (MaxBatch < 1) throw new ArgumentException("--max-batch must be at least 1.");
    }
}
