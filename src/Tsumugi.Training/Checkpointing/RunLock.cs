using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;
using Tsumugi.Training.Config;

namespace Tsumugi.Training.Checkpointing;

/// <summary>
/// RUN_DIR/train.lock: held while a trainer uses the run directory, so a second <c>train</c> or <c>--resume</c> on it
/// is refused instead of interleaving lines into metrics.jsonl/events.jsonl and racing on checkpoints. The file is
/// created with O_EXCL and names its holder (pid, host, start time). A lock left by a killed trainer is stale when it
/// names this host and a pid that is no longer alive; it is then taken over, with a message saying so. A lock from
/// another host cannot be judged from here (shared file systems), so it is refused with the file to delete.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "train.lock";

    private readonly string _path;
    private bool _released;

    private RunLock(string path) => _path = path;

    public sealed record Holder(
        [property: JsonPropertyName("pid")] int Pid,
        [property: JsonPropertyName("host")] string Host,
        [property: JsonPropertyName("started")] DateTimeOffset Started);

    /// <summary>Takes the lock of <paramref name="runDirectory"/> or throws a <see cref="TrainConfigException"/> naming its holder.</summary>
    /// <param name="log">Where a stale-lock takeover is reported.</param>
    public static RunLock Acquire(string runDirectory, TextWriter log)
    {
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, FileName);
        var me = new Holder(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow);
        // Two attempts: the second follows the removal of a stale lock (another starter may win that race; then we refuse).
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (TryCreate(path, me)) return new RunLock(path);
            var holder = Read(path);
            if (holder is null)
            {
                // Unreadable (torn by a kill during its own write, or empty): only a dead starter leaves that.
                log.WriteLine($"warning: {path} is unreadable; taking the lock over");
                File.Delete(path);
                continue;
            }
            if (holder.Host == me.Host && !IsAlive(holder.Pid))
            {
                log.WriteLine($"{path}: taking over a stale lock (pid {holder.Pid} on {holder.Host}, started {Format(holder.Started)}, is no longer running)");
                File.Delete(path);
                continue;
            }
            throw new TrainConfigException(
                $"{runDirectory} is in use by another trainer: pid {holder.Pid} on host {holder.Host}, started {Format(holder.Started)} ({path}). " +
                (holder.Host == me.Host
                    ? "Wait for it to finish or stop it (Ctrl-C / kill -TERM saves a checkpoint), then --resume."
                    : $"If that process is gone, delete {path} and --resume."));
        }
        throw new TrainConfigException($"{path}: another trainer took the lock while a stale one was being removed; is a second `tsumugi train` starting on {runDirectory}?");
    }

    private static bool TryCreate(string path, Holder me)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(me));
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    private static Holder? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Holder>(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>Linux: /proc/PID exists while the process (or a zombie of it) does.</summary>
    private static bool IsAlive(int pid) =>
        OperatingSystem.IsLinux() ? Directory.Exists($"/proc/{pid}") : ProcessExists(pid);

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Format(DateTimeOffset t) => t.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        try
        {
            File.Delete(_path);
            FileSync.SyncDirectory(Path.GetDirectoryName(_path)!);
        }
        catch (IOException)
        {
            // Left behind, it is a stale lock of this host and the next start takes it over.
        }
    }
}
