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
        return Launch(info);
    }

    /// <summary>
    /// <c>mpirun -np <paramref name="ranks"/> tsumugi ARGS</c> on this machine, as root in CI, one thread per rank, unbound;
    /// <paramref name="mpiArgs"/> go to mpirun (e.g. <c>--mca btl tcp,self</c>).
    /// </summary>
    public static TsumugiProcess StartMpi(int ranks, IEnumerable<string> args, IEnumerable<string>? mpiArgs = null, IDictionary<string, string>? environment = null) =>
        StartMpmd([(ranks, args.ToList())], mpiArgs, environment);

    /// <summary>Several programs in one MPI job (<c>mpirun -np 1 A : -np 1 B</c>): ranks that start differently.</summary>
    public static TsumugiProcess StartMpmd(IEnumerable<(int Ranks, List<string> Args)> programs, IEnumerable<string>? mpiArgs = null, IDictionary<string, string>? environment = null)
    {
        if (!File.Exists("/usr/bin/mpirun") && !File.Exists("/usr/local/bin/mpirun"))
            throw new InvalidOperationException("mpirun is not installed: scripts/install-test-deps.sh installs Debian's openmpi-bin");
        var info = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-x", "OMP_NUM_THREADS=1" }.Concat(mpiArgs ?? [])) info.ArgumentList.Add(a);
        var first = true;
        foreach (var (ranks, args) in programs)
        {
            if (!first) info.ArgumentList.Add(":");
            first = false;
            foreach (var a in new[] { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Executable }.Concat(args)) info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return Launch(info);
    }

    private static TsumugiProcess Launch(ProcessStartInfo info)
    {
        var p = new TsumugiProcess(new Process { StartInfo = info });
        p._process.OutputDataReceived += (_, e) => p.Append(e.Data);
        p._process.ErrorDataReceived += (_, e) => p.Append(e.Data);
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    /// <summary>The pids of this process's direct children (mpirun's ranks).</summary>
    public IReadOnlyList<int> Children() =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) == _process.Id;
                }
                catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
                {
                    return false; // gone while reading
                }
            }).ToList();

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
