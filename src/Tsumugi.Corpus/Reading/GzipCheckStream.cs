using System.Buffers.Binary;
using System.IO.Hashing;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// .NET's GZipStream ends quietly on a truncated file. This wrapper hashes what it decompresses and, at the end,
/// compares CRC-32 and size with the gzip trailer (the file's last 8 bytes), throwing when they disagree, so a cut
/// download is reported instead of silently shortening the corpus. (A multi-member .gz is judged by its last
/// member's trailer and would be reported as damaged; re-compress such files as one member.)
/// </summary>
public sealed class GzipCheckStream(Stream decompressed, string path) : Stream
{
    readonly Crc32 _crc = new();
    long _length;
    bool _checked;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = decompressed.Read(buffer);
        if (n > 0)
        {
            _crc.Append(buffer[..n]);
            _length += n;
        }
        else if (buffer.Length > 0 && !_checked)
        {
            _checked = true;
            Check();
        }
        return n;
    }

    void Check()
    {
        Span<byte> trailer = stackalloc byte[8];
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (f.Length < 18) throw new InvalidDataException("gzip file is shorter than a gzip header and trailer");
            f.Seek(-8, SeekOrigin.End);
            f.ReadExactly(trailer);
        }
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (crc != _crc.GetCurrentHashAsUInt32() || size != (uint)_length)
            throw new InvalidDataException($"gzip data ends after {_length} bytes but the trailer does not match (truncated or corrupt)");
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
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
