using System.Text;
using Microsoft.AspNetCore.Http;

namespace Tsumugi.Dashboard;

/// <summary>
/// GET /api/runs/{id}/stream: server-sent events while a run writes. Polls metrics.jsonl and events.jsonl every
/// <see cref="Poll"/> from the client's offsets and sends each batch of new whole lines as <c>event: metrics</c> /
/// <c>event: events</c> with <c>data:</c> = a JSON array of the lines' objects; <c>: ping</c> every
/// <see cref="Ping"/> keeps proxies from closing an idle stream. A file that shrank (rewritten) is announced as
/// <c>event: reset</c> so the page reloads the run. Each connection reads on its own: nothing is shared but the files.
/// Every event's <c>id:</c> is "METRICS_OFFSET,EVENTS_OFFSET", so when EventSource reconnects by itself (sending
/// Last-Event-ID) the stream resumes where it stopped instead of repeating lines.
/// </summary>
public static class MetricsStream
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Ping = TimeSpan.FromSeconds(15);

    /// <param name="metricsOffset">Bytes of metrics.jsonl the client has (the "offset" of /metrics); 0 sends everything.</param>
    /// <param name="eventsOffset">Bytes of events.jsonl the client has; null starts at the file's current end.</param>
    public static async Task Run(HttpContext ctx, RunsRoot root, string realDirectory, long metricsOffset, long? eventsOffset, CancellationToken stopping)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        ctx.Response.Headers["X-Accel-Buffering"] = "no"; // nginx in front (remote use): do not hold events back
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping);
        var token = linked.Token;
        if (LastEventId(ctx.Request) is var (m, e))
            (metricsOffset, eventsOffset) = (m, e);
        var metrics = new Tail(root, realDirectory, RunDiscovery.MetricsFile, metricsOffset);
        var events = new Tail(root, realDirectory, RunDiscovery.EventsFile, eventsOffset ?? FileLength(root, realDirectory, RunDiscovery.EventsFile));
        string Id() => $"{metrics.Offset},{events.Offset}";
        await ctx.Response.WriteAsync(": connected\n\n", token).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(token).ConfigureAwait(false);
        var lastSent = DateTime.UtcNow;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var sent = await metrics.Send(ctx.Response, "metrics", Id, token).ConfigureAwait(false)
                    | await events.Send(ctx.Response, "events", Id, token).ConfigureAwait(false);
                if (sent) lastSent = DateTime.UtcNow;
                else if (DateTime.UtcNow - lastSent >= Ping)
                {
                    await ctx.Response.WriteAsync(": ping\n\n", token).ConfigureAwait(false);
                    await ctx.Response.Body.FlushAsync(token).ConfigureAwait(false);
                    lastSent = DateTime.UtcNow;
                }
                await Task.Delay(Poll, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { } // the page went away or the server stops: the stream just ends
    }

    /// <summary>The offsets a reconnecting EventSource last received, from its Last-Event-ID header.</summary>
    static (long, long)? LastEventId(HttpRequest request)
    {
        var parts = request.Headers["Last-Event-ID"].ToString().Split(',');
        return parts.Length == 2 && long.TryParse(parts[0], out var m) && long.TryParse(parts[1], out var e) && m >= 0 && e >= 0 ? (m, e) : null;
    }

    static long FileLength(RunsRoot root, string realDirectory, string name) =>
        root.File(realDirectory, name) is { } f ? new FileInfo(f).Length : 0;

    /// <summary>One file followed from an offset; the file may appear later (a run that has not logged yet).</summary>
    sealed class Tail(RunsRoot root, string realDirectory, string name, long offset)
    {
        JsonLinesTail? _tail;

        public long Offset => _tail?.Offset ?? offset;

        public async Task<bool> Send(HttpResponse response, string eventName, Func<string> id, CancellationToken token)
        {
            if (_tail is null)
            {
                if (root.File(realDirectory, name) is not { } file) return false;
                _tail = new JsonLinesTail(file, offset);
            }
            var lines = new List<byte[]>();
            var reset = false;
            _tail.ReadNew(line => { if (JsonLinesLog.IsObject(line)) lines.Add(line.ToArray()); }, () => reset = true);
            if (reset) await Write(response, "reset", Encoding.UTF8.GetBytes($"{{\"file\":\"{name}\"}}"), id(), token).ConfigureAwait(false);
            if (lines.Count == 0) return reset;
            await Write(response, eventName, JsonLinesLog.ToArray(lines), id(), token).ConfigureAwait(false);
            return true;
        }

        static async Task Write(HttpResponse response, string eventName, byte[] data, string id, CancellationToken token)
        {
            // A JSON line never holds a raw newline (JSON escapes it), so the array is one data: line.
            await response.WriteAsync($"event: {eventName}\ndata: ", token).ConfigureAwait(false);
            await response.Body.WriteAsync(data, token).ConfigureAwait(false);
            await response.WriteAsync($"\nid: {id}\n\n", token).ConfigureAwait(false);
            await response.Body.FlushAsync(token).ConfigureAwait(false);
        }
    }
}
