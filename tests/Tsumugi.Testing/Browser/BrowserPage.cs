using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Testing.Browser;

/// <summary>
/// One browser tab: navigate (and learn the document's HTTP status), evaluate JavaScript, wait until a JavaScript
/// predicate holds, capture a PNG. Console errors and uncaught exceptions are collected, so a failed wait says what the
/// page complained about.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    readonly CdpSession _session;
    readonly Func<string> _browserLog;
    readonly ConcurrentDictionary<string, int> _statusByLoader = new();
    readonly ConcurrentQueue<string> _errors = new();
    readonly ConcurrentQueue<string> _requested = new();
    TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long _bytesReceived;

    BrowserPage(CdpSession session, Func<string> browserLog) => (_session, _browserLog) = (session, browserLog);

    internal static async Task<BrowserPage> OpenAsync(CdpSession session, Func<string> browserLog)
    {
        var page = new BrowserPage(session, browserLog);
        session.On("Page.loadEventFired", _ => page._loaded.TrySetResult());
        session.On("Network.responseReceived", e =>
        {
            if (e.GetProperty("type").GetString() == "Document")
                page._statusByLoader[e.GetProperty("loaderId").GetString()!] = e.GetProperty("response").GetProperty("status").GetInt32();
        });
        session.On("Network.requestWillBeSent", e => page._requested.Enqueue(e.GetProperty("request").GetProperty("url").GetString()!));
        session.On("Network.loadingFinished", e => Interlocked.Add(ref page._bytesReceived, (long)e.GetProperty("encodedDataLength").GetDouble()));
        session.On("Runtime.consoleAPICalled", e =>
        {
            if (e.GetProperty("type").GetString() is "error" or "assert")
                page._errors.Enqueue("console.error: " + string.Join(" ", e.GetProperty("args").EnumerateArray().Select(Describe)));
        });
        session.On("Runtime.exceptionThrown", e => page._errors.Enqueue("uncaught: " + ExceptionText(e.GetProperty("exceptionDetails"))));
        await session.SendAsync("Page.enable");
        await session.SendAsync("Runtime.enable");
        await session.SendAsync("Network.enable");
        return page;
    }

    /// <summary>
    /// Bytes received (headers and bodies as sent, compressed or not) by the requests that finished since the last
    /// <see cref="NavigateAsync"/> began: what loading a view cost. An open event stream has not finished and is not counted.
    /// </summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Every URL the page requested so far (documents, assets, fetches, event streams), oldest first.</summary>
    public IReadOnlyList<string> RequestedUrls => _requested.ToArray();

    /// <summary>Console errors and uncaught exceptions seen so far, oldest first.</summary>
    public IReadOnlyList<string> Errors => _errors.ToArray();

    /// <summary>
    /// Loads <paramref name="url"/> and waits for its load event; returns the document's HTTP status (0 when the browser saw
    /// none, e.g. about:blank). Navigating to the same URL with only another #hash is a same-document navigation with no
    /// load event: go through about:blank first to measure a fresh load.
    /// </summary>
    public async Task<int> NavigateAsync(string url, TimeSpan? timeout = null)
    {
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _bytesReceived, 0);
        var result = await _session.SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        if (result.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
            throw new InvalidOperationException($"navigating to {url} failed: {text}");
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        try { await _loaded.Task.WaitAsync(limit); }
        catch (TimeoutException) { throw new TimeoutException($"{url}: no load event within {limit.TotalSeconds:0} s"); }
        var loader = result.TryGetProperty("loaderId", out var id) ? id.GetString() : null;
        return loader is not null && _statusByLoader.TryGetValue(loader, out var status) ? status : 0;
    }

    /// <summary>Forgets every cookie the browser holds (cookies are per host, not per port: another test's server set them too).</summary>
    public async Task ClearCookiesAsync() => await _session.SendAsync("Network.clearBrowserCookies");

    /// <summary>Evaluates <paramref name="expression"/> in the page (awaiting it when it is a promise) and returns its JSON value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await _session.SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true,
        });
        if (result.TryGetProperty("exceptionDetails", out var details))
            throw new InvalidOperationException($"JavaScript `{expression}` threw: {ExceptionText(details)}");
        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v.Clone() : default; // undefined has no value
    }

    public async Task<T> EvaluateAsync<T>(string expression)
    {
        var value = await EvaluateAsync(expression);
        if (value.ValueKind == JsonValueKind.Undefined)
            throw new InvalidOperationException($"JavaScript `{expression}` returned undefined, expected {typeof(T).Name}");
        return value.Deserialize<T>()!;
    }

    /// <summary>
    /// Polls <paramref name="predicate"/> (a JavaScript expression) every <paramref name="poll"/> (25 ms by default) until it is
    /// truthy; returns how long that took. A predicate that throws counts as false (the element may not exist yet). On
    /// timeout the exception names the predicate, the page's address and text, and the page's console errors.
    /// </summary>
    public async Task<TimeSpan> WaitUntilAsync(string predicate, TimeSpan timeout, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        var wrapped = $"(() => {{ try {{ return !!({predicate}); }} catch {{ return false; }} }})()";
        while (true)
        {
            // The page may be between documents (a re-render, a redirect): its context is gone for a moment; poll again.
            try { if ((await EvaluateAsync(wrapped)).ValueKind == JsonValueKind.True) return clock.Elapsed; }
            catch (InvalidOperationException) when (clock.Elapsed < timeout) { }
            if (clock.Elapsed >= timeout) break;
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(25));
        }
        string where;
        try { where = (await EvaluateAsync("location.href + '\\n' + (document.body ? document.body.innerText.slice(0, 400) : '(no body)')")).GetString() ?? ""; }
        catch (InvalidOperationException e) { where = e.Message; }
        var errors = Errors.Count == 0 ? "none" : string.Join("\n  ", Errors);
        throw new TimeoutException(
            $"`{predicate}` still false after {timeout.TotalSeconds:0.#} s at {where}\nconsole errors: {errors}\nbrowser stderr, last lines:\n  {_browserLog()}");
    }

    /// <summary>Captures the whole page (beyond the viewport) as a PNG at <paramref name="path"/>, creating its folder.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var metrics = await _session.SendAsync("Page.getLayoutMetrics");
        var size = metrics.GetProperty("cssContentSize");
        var shot = await _session.SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png", ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject
            {
                ["x"] = 0, ["y"] = 0, ["scale"] = 1,
                ["width"] = Math.Ceiling(size.GetProperty("width").GetDouble()),
                ["height"] = Math.Ceiling(size.GetProperty("height").GetDouble()),
            },
        });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();

    static string Describe(JsonElement remoteObject) =>
        remoteObject.TryGetProperty("value", out var v) ? v.ToString()
        : remoteObject.TryGetProperty("description", out var d) ? d.GetString() ?? "" : remoteObject.GetProperty("type").GetString() ?? "";

    static string ExceptionText(JsonElement details) =>
        details.TryGetProperty("exception", out var ex) && ex.TryGetProperty("description", out var d)
            ? d.GetString() ?? "" : details.GetProperty("text").GetString() ?? "";
}
