using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Testing.Browser;

/// <summary>
/// One Chrome DevTools Protocol connection (a browser's or a page's WebSocket): numbered commands answered by id, and
/// events handed to the subscribers of their method name. One background loop reads every message; commands may be sent
/// from any thread.
/// </summary>
public sealed class CdpSession : IAsyncDisposable
{
    readonly ClientWebSocket _socket = new();
    readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    readonly ConcurrentDictionary<string, ConcurrentBag<Action<JsonElement>>> _handlers = new();
    readonly SemaphoreSlim _sendLock = new(1, 1);
    readonly CancellationTokenSource _stop = new();
    Task _receiveLoop = Task.CompletedTask;
    int _nextId;
    int _disposed;

    CdpSession() { }

    public static async Task<CdpSession> ConnectAsync(Uri webSocketUrl, CancellationToken ct = default)
    {
        var session = new CdpSession();
        // Screenshots and whole metric payloads arrive as single messages of several MB: no keep-alive pings needed on loopback.
        session._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await session._socket.ConnectAsync(webSocketUrl, ct);
        session._receiveLoop = Task.Run(session.ReceiveLoop);
        return session;
    }

    /// <summary>Sends <paramref name="method"/> and returns its <c>result</c>; a protocol error throws with the method and the browser's message.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, TimeSpan? timeout = null)
    {
        if (_socket.State != WebSocketState.Open)
            throw new IOException($"CDP {method}: the browser closed the DevTools connection (crashed or killed?)");
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync();
        try { await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _stop.Token); }
        finally { _sendLock.Release(); }
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        try { return await answer.Task.WaitAsync(limit); }
        catch (TimeoutException)
        {
            _pending.TryRemove(id, out _);
            throw new TimeoutException($"CDP {method}: no answer from the browser within {limit.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Calls <paramref name="handler"/> (on the receive loop: keep it short) with the <c>params</c> of every <paramref name="method"/> event.</summary>
    public void On(string method, Action<JsonElement> handler) => _handlers.GetOrAdd(method, _ => []).Add(handler);

    async Task ReceiveLoop()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                Dispatch(message.GetBuffer().AsSpan(0, (int)message.Length));
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { /* closed: fail what still waits, below */ }
        foreach (var (id, waiter) in _pending)
            if (_pending.TryRemove(id, out _)) waiter.TrySetException(new IOException("the browser closed the DevTools connection (crashed or killed?)"));
    }

    void Dispatch(ReadOnlySpan<byte> json)
    {
        var root = JsonDocument.Parse(json.ToArray()).RootElement;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (!_pending.TryRemove(idElement.GetInt32(), out var waiter)) return;
            if (root.TryGetProperty("error", out var error))
                waiter.TrySetException(new InvalidOperationException($"CDP error: {error.GetProperty("message").GetString()} ({error})"));
            else waiter.TrySetResult(root.GetProperty("result"));
            return;
        }
        if (root.TryGetProperty("method", out var method) && _handlers.TryGetValue(method.GetString()!, out var handlers))
        {
            var parameters = root.TryGetProperty("params", out var p) ? p : default;
            foreach (var handler in handlers)
            {
                // An event of a shape a handler did not expect loses that event, not the connection's receive loop.
                try { handler(parameters); }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException) { }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, quick.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { /* the browser is already gone */ }
        _stop.Cancel();
        try { await _receiveLoop; } catch (OperationCanceledException) { }
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
