namespace Tsumugi.Serving.Server;

/// <summary>Where and how the OpenAI-compatible server listens. Port 0 lets the OS pick a free port (tests).</summary>
public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8000;

    /// <summary>When set, every /v1 request must send <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests allowed to wait while one decodes; more get 429.</summary>
    public int MaxQueue { get; init; } = 16;
}
