using System.Net;

namespace Tsumugi.Dashboard;

/// <summary>What the dashboard serves and where it listens. Port 0 lets the OS pick a free port (tests).</summary>
public sealed record DashboardOptions
{
    /// <summary>The directory whose runs, pipelines and eval results are shown; nothing outside it is ever read.</summary>
    public required string Runs { get; init; }

    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8050;

    /// <summary>When set, every request must carry it (Bearer header, ?token= or the tsumugi_token cookie).</summary>
    public string? Token { get; init; }

    /// <summary>True for 127.0.0.0/8, ::1 and "localhost": addresses no other machine can reach.</summary>
    public static bool IsLoopback(string host)
    {
        var bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(bare, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is wrong and what to do instead.</summary>
    public void Validate()
    {
        if (!Directory.Exists(Runs)) throw new ArgumentException($"--runs {Runs}: no such directory; pass the folder that holds your run directories.");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be 0..65535 (got {Port}).");
        if (Token is { Length: 0 }) throw new ArgumentException("--token is empty; pass a secret string or leave the option out.");
        if (Token is null && !IsLoopback(Host))
            throw new ArgumentException($"--host {Host} is reachable from other machines: pass --token SECRET as well (or bind 127.0.0.1 and use ssh -L).");
    }
}
