using System.Net;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// Writes scalar summaries to a TensorBoard event file (<c>events.out.tfevents.*</c>) in a log directory.
/// Resuming a run opens a new writer in the same directory: TensorBoard reads the files in name order and a
/// step that goes backwards drops the older points from that step on, so the resumed values replace the
/// abandoned tail of the previous file.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    /// <summary>The first record of every event file; TensorBoard checks it to recognize the format.</summary>
    public const string FileVersion = "brain.Event:2";

    private readonly FileStream _file;
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>Creates the directory if needed and a new event file in it (never overwrites one).</summary>
    public TensorBoardWriter(string logDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        Directory.CreateDirectory(logDirectory);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        (_file, FilePath) = CreateUniqueFile(logDirectory, now.ToUnixTimeSeconds());
        try
        {
            TfRecordFraming.WriteRecord(_file, TensorBoardEventEncoder.FileVersion(ToWallTime(now), FileVersion));
            _file.Flush();
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>Full path of the event file this writer appends to.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Appends one scalar. TensorBoard stores scalars as 32-bit floats, so <paramref name="value"/> is
    /// rounded to <see cref="float"/>. <paramref name="wallTime"/> defaults to now.
    /// </summary>
    public void AddScalar(string tag, double value, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        byte[] record = TensorBoardEventEncoder.Scalar(ToWallTime(wallTime ?? DateTimeOffset.UtcNow), step, tag, (float)value);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TfRecordFraming.WriteRecord(_file, record);
        }
    }

    /// <summary>
    /// Hands everything written so far to the operating system. After this the file is complete up to here even
    /// if the process is killed (SIGKILL included): the data sits in the page cache, which outlives the process.
    /// No fsync: that guards only against a machine crash and would cost a disk round-trip every optimizer step.
    /// </summary>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _file.Flush();
        }
    }

    /// <summary>Flushes and closes the file. Safe to call twice.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _file.Dispose();
        }
    }

    private static (FileStream File, string Path) CreateUniqueFile(string logDirectory, long unixSeconds)
    {
        string hostName = Dns.GetHostName();
        while (true)
        {
            string path = Path.Combine(logDirectory,
                TensorBoardEventFileName.Format(unixSeconds, hostName, Environment.ProcessId, TensorBoardEventFileName.NextCounter()));
            try
            {
                // CreateNew: a name that already exists (another process with a recycled pid) is never appended to.
                return (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read), path);
            }
            catch (IOException) when (File.Exists(path))
            {
            }
        }
    }

    private static double ToWallTime(DateTimeOffset time) =>
        (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;
}
