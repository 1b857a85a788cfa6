using ZstdSharp;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Wraps a decompressing stream so that damage ends the data instead of throwing: the reader above gets every byte
/// decoded before the damage (the complete lines before a cut), then end of stream, and <see cref="Failure"/> says what
/// happened. A throwing read would lose whatever the text reader had buffered — for a small file, every document.
/// </summary>
internal sealed class SalvagingStream(Stream decompressed, string path) : Stream
{
    /// <summary>What ended the data early, or null (no damage found yet).</summary>
    public DamagedInputException? Failure { get; private set; }

    /// <summary>Bytes delivered.</summary>
    public long Delivered { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Failure is not null) return 0;
        int n;
        try
        {
            n = decompressed.Read(buffer);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ZstdException)
        {
            Failure = Classify(e);
            return 0;
        }
        Delivered += n;
        return n;
    }

    DamagedInputException Classify(Exception e)
    {
        if (e is DamagedInputException damaged) return damaged;
        bool zstd = path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase);
        var text = e.Message.Trim().TrimEnd('.');
        // zstd names a bad checksum or block; its "cut short" errors are about missing input.
        if (zstd && (text.Contains("checksum", StringComparison.OrdinalIgnoreCase) || text.Contains("corrupt", StringComparison.OrdinalIgnoreCase)))
            return new DamagedInputException(DamagedInputException.Corrupt, $"zstd data is corrupt after {Delivered} decompressed bytes ({text})");
        if (zstd || e is EndOfStreamException)
            return new DamagedInputException(DamagedInputException.Truncated, $"zstd data ends early after {Delivered} decompressed bytes ({text}): the file was cut short");
        return new DamagedInputException(DamagedInputException.Corrupt, $"compressed data is corrupt after {Delivered} decompressed bytes ({text})");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) decompressed.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Delivered; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
