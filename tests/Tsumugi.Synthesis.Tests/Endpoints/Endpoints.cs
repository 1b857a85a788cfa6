using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Tests.Endpoints;

/// <summary>Settings and requests the endpoint tests share: short timeouts and backoffs so retries cost milliseconds.</summary>
static class Endpoints
{
    public static EndpointSettings Fast(string url, string name = "local", int concurrency = 8) => new()
    {
        Name = name, Url = url, Model = FaultyChatServer.ModelName, Concurrency = concurrency,
        Timeout = TimeSpan.FromSeconds(5), Retries = 8, BackoffBase = TimeSpan.FromMilliseconds(20), BackoffMax = TimeSpan.FromSeconds(1),
    };

    public static ChatRequest Ask(string user) => new([ChatTurn.System("あなたは助手です。"), ChatTurn.User(user)], Temperature: 0.7, MaxTokens: 64);

    /// <summary>The deterministic answer the tests' servers give: the last user message, reversed, with a marker.</summary>
    public static string Echo(IReadOnlyList<(string Role, string Content)> messages) =>
        "答:" + new string(messages.Last(m => m.Role == "user").Content.Reverse().ToArray());

    /// <summary>A local port nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
