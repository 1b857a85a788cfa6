using Tsumugi.Testing.Browser;

namespace Tsumugi.Dashboard.Tests;

/// <summary>The test kit's headless Chromium itself: a clear error when it is missing, nothing left behind when done.</summary>
public sealed class BrowserKitTests
{
    [Fact]
    public void MissingChromium_ErrorSaysToRunTheInstallScript()
    {
        using var empty = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => HeadlessChromium.FindBinary(null, empty.Path));
        Assert.Contains("scripts/install-test-deps.sh", error.Message, StringComparison.Ordinal);
        var named = Assert.Throws<FileNotFoundException>(() => HeadlessChromium.FindBinary(empty.File("no-chromium"), ""));
        Assert.Contains(HeadlessChromium.BinaryVariable, named.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_KillsTheBrowserTreeAndDeletesItsProfile()
    {
        var browser = await HeadlessChromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        Assert.Equal(2, await page.EvaluateAsync<int>("Promise.resolve(1 + 1)"));
        var children = ChildrenOf(browser.ProcessId);
        Assert.NotEmpty(children); // zygote, renderer, utility processes
        var (root, profile) = (browser.ProcessId, browser.ProfileDirectory);

        await browser.DisposeAsync();

        Assert.False(Directory.Exists(profile), $"{profile} is left behind");
        // SIGKILL is sent by the time dispose returns; on a loaded runner a process may take a moment to be torn down.
        var pids = children.Append(root).ToList();
        for (var wait = 0; wait < 50 && pids.Any(Alive); wait++) await Task.Delay(100);
        Assert.DoesNotContain(pids, Alive);
    }

    /// <summary>Direct children of <paramref name="pid"/>, from /proc (Linux, where these tests run).</summary>
    static List<int> ChildrenOf(int pid) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => int.TryParse(n, out _)).Select(int.Parse!)
            .Where(p => ParentOf(p) == pid).ToList();

    static int? ParentOf(int pid) => Stat(pid) is { } fields ? int.Parse(fields[1]) : null;

    /// <summary>A process that is gone or a zombie (killed, not yet reaped: a container's init may never reap it) is not alive.</summary>
    static bool Alive(int pid) => Stat(pid) is { } fields && fields[0] != "Z";

    /// <summary>/proc/PID/stat's fields after "(comm)": state, ppid, …; null when the process is gone.</summary>
    static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
