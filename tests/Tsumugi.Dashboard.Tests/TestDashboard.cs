using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Tsumugi.Dashboard.Tests;

/// <summary>A dashboard served in-process on 127.0.0.1 with a free port, and a client for it.</summary>
public sealed class TestDashboard : IAsyncDisposable
{
    readonly DashboardServer _server;

    TestDashboard(DashboardServer server) => _server = server;

    public string BaseUrl => _server.BaseUrl;
    /// <summary>Without a cookie jar: each request carries exactly the credentials the test gives it.</summary>
    public HttpClient Http { get; } = new(new HttpClientHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<TestDashboard> StartAsync(string runs, string? token = null)
    {
        var server = new DashboardServer(new DashboardOptions { Runs = runs, Host = "127.0.0.1", Port = 0, Token = token });
        await server.StartAsync();
        return new TestDashboard(server);
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(BaseUrl + path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>
    /// Sends <paramref name="target"/> byte for byte (HttpClient would normalise "..", "%2e" and "//" before sending,
    /// hiding exactly what a hostile client can send) and returns the status and body.
    /// </summary>
    public async Task<(int Status, string Body)> RawGetAsync(string target, string? host = null)
    {
        var uri = new Uri(BaseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {host ?? uri.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ', 3)[1]);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, split < 0 ? "" : response[(split + 4)..]);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
    }
}
