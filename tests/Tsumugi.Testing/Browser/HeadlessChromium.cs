using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Tsumugi.Testing.Browser;

/// <summary>
/// A headless Chromium (Debian's <c>chromium</c>, installed by scripts/install-test-deps.sh) with its own throw-away
/// profile, driven over the DevTools protocol. <see cref="NewPageAsync"/> opens a tab; disposing kills the whole process
/// tree and deletes the profile.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Set to a browser binary to use it instead of the first of chromium / chromium-browser on PATH.</summary>
    public const string BinaryVariable = "TSUMUGI_CHROMIUM";

    readonly Process _process;
    readonly TempDirectory _profile;
    readonly Uri _browserUrl;
    readonly List<string> _stderrTail;
    readonly List<BrowserPage> _pages = [];

    HeadlessChromium(Process process, TempDirectory profile, Uri browserUrl, List<string> stderrTail) =>
        (_process, _profile, _browserUrl, _stderrTail) = (process, profile, browserUrl, stderrTail);

    /// <summary>The binary found (or named by <see cref="BinaryVariable"/>); throws with what to run when there is none.</summary>
    public static string FindBinary() =>
        FindBinary(Environment.GetEnvironmentVariable(BinaryVariable), Environment.GetEnvironmentVariable("PATH") ?? "");

    /// <summary>The binary <paramref name="named"/>, else chromium or chromium-browser on <paramref name="searchPath"/>.</summary>
    public static string FindBinary(string? named, string searchPath)
    {
        if (!string.IsNullOrEmpty(named))
            return File.Exists(named) ? named : throw new FileNotFoundException($"{BinaryVariable}={named}: no such file");
        foreach (var name in new[] { "chromium", "chromium-browser" })
            foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new FileNotFoundException(
            "chromium not found on PATH: the browser tests and the dashboard benchmark need headless Chromium. " +
            $"Run scripts/install-test-deps.sh (installs Debian's chromium), or set {BinaryVariable} to a Chromium binary.");
    }

    /// <summary>
    /// Starts the browser and waits (up to <paramref name="startTimeout"/>, 60 s by default: a loaded 2-core runner is slow to
    /// start Chromium) for its <c>DevTools listening on ws://…</c> line.
    /// </summary>
    public static async Task<HeadlessChromium> LaunchAsync(TimeSpan? startTimeout = null, int width = 1280, int height = 900)
    {
        var binary = FindBinary();
        var profile = new TempDirectory("tsumugi-chromium");
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        // Chromium puts its singleton socket and shared-memory files under TMPDIR and a killed browser leaves them there:
        // inside the profile they go with it.
        start.Environment["TMPDIR"] = profile.Path;
        foreach (var arg in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu",
            // Containers give /dev/shm 64 MB: Chromium crashes tabs on bigger pages unless it uses /tmp instead.
            "--disable-dev-shm-usage",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", $"--user-data-dir={profile.Path}",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
            // Background tabs must keep running timers and SSE at full speed: the live-update test watches one.
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
            "--mute-audio", "--hide-scrollbars", $"--window-size={width},{height}", "about:blank",
        })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start");
        var tail = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { listening.TrySetException(new InvalidOperationException("chromium exited before it was ready")); return; }
            lock (tail) { tail.Add(e.Data); if (tail.Count > 40) tail.RemoveAt(0); }
            const string marker = "DevTools listening on ";
            var at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) listening.TrySetResult(new Uri(e.Data[(at + marker.Length)..].Trim()));
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var limit = startTimeout ?? TimeSpan.FromSeconds(60);
        try
        {
            var url = await listening.Task.WaitAsync(limit);
            return new HeadlessChromium(process, profile, url, tail);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Kill(process);
            profile.Dispose();
            string stderr;
            lock (tail) stderr = string.Join("\n  ", tail);
            throw new InvalidOperationException(
                $"{binary} did not report its DevTools address within {limit.TotalSeconds:0} s ({e.Message}); its stderr:\n  {stderr}");
        }
    }

    /// <summary>The browser process (the root of its tree: renderers and helpers are its children).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The throw-away profile folder, deleted on dispose.</summary>
    public string ProfileDirectory => _profile.Path;

    /// <summary>The browser's last stderr lines (crash reasons, failed loads), for a failed wait's message.</summary>
    string StderrTail(int lines)
    {
        lock (_stderrTail) return string.Join("\n  ", _stderrTail.TakeLast(lines));
    }

    /// <summary>Opens a new blank tab and connects to it.</summary>
    public async Task<BrowserPage> NewPageAsync()
    {
        await using var browser = await CdpSession.ConnectAsync(_browserUrl);
        var created = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var targetId = created.GetProperty("targetId").GetString()!;
        // The page's own endpoint sits beside the browser's: ws://host:port/devtools/page/<targetId>.
        var pageUrl = new Uri(_browserUrl, $"/devtools/page/{targetId}");
        var page = await BrowserPage.OpenAsync(await CdpSession.ConnectAsync(pageUrl), () => StderrTail(10));
        _pages.Add(page);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var page in _pages) await page.DisposeAsync();
        Kill(_process);
        _process.Dispose();
        _profile.Dispose();
    }

    static void Kill(Process process)
    {
        // Renderers, the GPU and zygote processes are children of the browser: kill the whole tree, then wait so the
        // profile folder is no longer written when it is deleted.
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { /* already gone */ }
    }
}
