using System.Text.RegularExpressions;
using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed partial class TensorBoardWriterTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    [Fact]
    public void IndependentReaderDecodesWhatWasWritten()
    {
        using var directory = new TempDirectory();
        (string Tag, double Value, long Step, DateTimeOffset Time)[] written =
        [
            ("train/loss", 10.8125, 1, T0),
            ("train/lr", 3e-4, 1, T0.AddMilliseconds(1)),
            ("train/loss", 2.71828, 2, T0.AddSeconds(1.5)),
            ("val/ja_wiki/loss", 0, 0, T0.AddSeconds(2)),
            ("train/loss", double.NaN, 5_000_000_000_000, T0.AddDays(3)),
            ("日本語/タグ", double.PositiveInfinity, 7, T0.AddDays(4)),
        ];
        string path;
        using (var writer = new TensorBoardWriter(directory.Path))
        {
            path = writer.FilePath;
            foreach (var (tag, value, step, time) in written)
                writer.AddScalar(tag, value, step, time);
        }

        IReadOnlyList<DecodedEvent> events = NodeEventFileReader.Read(path);

        Assert.Equal(1 + written.Length, events.Count);
        Assert.Equal(TensorBoardWriter.FileVersion, events[0].FileVersion);
        Assert.Empty(events[0].Values);
        Assert.InRange(events[0].WallTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        for (int i = 0; i < written.Length; i++)
        {
            DecodedEvent decoded = events[i + 1];
            Assert.Null(decoded.FileVersion);
            Assert.Equal(written[i].Step, decoded.Step);
            Assert.Equal(written[i].Time.ToUnixTimeMilliseconds() / 1000.0, decoded.WallTime, 6);
            DecodedScalar scalar = Assert.Single(decoded.Values);
            Assert.Equal(written[i].Tag, scalar.Tag);
            // TensorBoard stores float32: the decoded value is the written one rounded to float.
            Assert.Equal((double)(float)written[i].Value, scalar.Value);
        }
    }

    [Fact]
    public void FileIsNamedLikeTensorboardsOwnWriters()
    {
        using var directory = new TempDirectory();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var writer = new TensorBoardWriter(Path.Combine(directory.Path, "created", "on", "demand"));

        Match name = EventFileName().Match(Path.GetFileName(writer.FilePath));
        Assert.True(name.Success, writer.FilePath);
        Assert.InRange(long.Parse(name.Groups["seconds"].Value), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(System.Net.Dns.GetHostName(), name.Groups["host"].Value);
        Assert.Equal(Environment.ProcessId.ToString(), name.Groups["pid"].Value);
    }

    [Fact]
    public void WritersOpenedInTheSameSecondGetDistinctFiles()
    {
        using var directory = new TempDirectory();
        using var first = new TensorBoardWriter(directory.Path);
        using var second = new TensorBoardWriter(directory.Path);
        using var third = new TensorBoardWriter(directory.Path);
        first.AddScalar("x", 1, 1);
        second.AddScalar("x", 2, 1);
        third.AddScalar("x", 3, 1);
        first.Flush();
        second.Flush();
        third.Flush();

        string[] paths = [first.FilePath, second.FilePath, third.FilePath];
        Assert.Equal(3, paths.Distinct().Count());
        Assert.Equal(3, Directory.GetFiles(directory.Path).Length);
        Assert.Equal([1.0, 2.0, 3.0], paths.Select(path => NodeEventFileReader.Read(path)[1].Values[0].Value));
    }

    [Fact]
    public void FlushedEventsAreReadableWhileTheWriterIsStillOpen()
    {
        using var directory = new TempDirectory();
        using var writer = new TensorBoardWriter(directory.Path);
        writer.AddScalar("train/loss", 3.5, 1);
        writer.Flush();

        IReadOnlyList<DecodedEvent> events = NodeEventFileReader.Read(writer.FilePath);

        Assert.Equal(2, events.Count);
        Assert.Equal(3.5, events[1].Values[0].Value);
    }

    [Fact]
    public async Task WriterKilledWithSigkillAfterFlushLeavesAReadableFile()
    {
        using var directory = new TempDirectory();
        const int flushedSteps = 20;
        string path;
        using (var child = TestAssemblyProcess.Start([TestAssemblyEntryPoint.WriteEventsThenHang, directory.Path, flushedSteps.ToString()]))
        {
            Task<string> stderr = child.StandardError.ReadToEndAsync();
            string? firstLine;
            try
            {
                firstLine = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
            }
            finally
            {
                child.Kill(); // SIGKILL on Unix: no finalizers, no flush, no dispose.
                await child.WaitForExitAsync();
            }
            Assert.True(firstLine is not null, $"child wrote no event file path: {await stderr}");
            Assert.NotEqual(0, child.ExitCode);
            path = firstLine;
        }

        IReadOnlyList<DecodedEvent> events = NodeEventFileReader.Read(path);

        Assert.Equal(TensorBoardWriter.FileVersion, events[0].FileVersion);
        Assert.True(events.Count >= 1 + flushedSteps, $"only {events.Count - 1} of {flushedSteps} flushed scalars survived");
        for (int step = 1; step <= flushedSteps; step++)
        {
            Assert.Equal(step, events[step].Step);
            Assert.Equal((double)(float)(10.0 / step), events[step].Values[0].Value);
        }
    }

    [Fact]
    public void DisposedWriterRefusesMoreValues()
    {
        using var directory = new TempDirectory();
        var writer = new TensorBoardWriter(directory.Path);
        writer.Dispose();
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("x", 1, 1));
        Assert.Throws<ObjectDisposedException>(writer.Flush);
        Assert.Single(NodeEventFileReader.Read(writer.FilePath));
    }

    [GeneratedRegex(@"^events\.out\.tfevents\.(?<seconds>\d{10})\.(?<host>.+)\.(?<pid>\d+)\.(?<counter>\d+)$")]
    private static partial Regex EventFileName();
}
