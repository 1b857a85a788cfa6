using System.Diagnostics;
using System.Text;

namespace Tsumugi.Training.Tests.Support;

/// <summary>Runs the real `tsumugi` executable built next to the tests (for kill -9 and disk-full tests).</summary>
public sealed class TsumugiProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TsumugiProcess(Process process) => _process = process;

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "tsumugi");

    public static TsumugiProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? wrapper = null)
    {
        var info = new ProcessStartInfo(wrapper ?? Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (wrapper is not null) info.ArgumentList.Add(Executable);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var p = new TsumugiProcess(new Process { StartInfo = info });
        p._process.OutputDataReceived += (_, e) => p.Append(e.Data);
        p._process.ErrorDataReceived += (_, e) => p.Append(e.Data);
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"tsumugi did not finish within {timeout}; output:\n{Output}");
        _process.WaitForExit(); // drain redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed — a crash.</summary>
    public void Kill9()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as Slurm and `kill` send it: the trainer finishes its step, saves a checkpoint and exits 130.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails if the process ends first or time runs out.</summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"tsumugi exited ({_process.ExitCode}) before {what}; output:\n{Output}");
            if (clock.Elapsed > timeout) throw new TimeoutException($"timed out waiting for {what}; output:\n{Output}");
            Thread.Sleep(5);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
