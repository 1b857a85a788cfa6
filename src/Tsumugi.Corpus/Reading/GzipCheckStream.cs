using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Decompresses a .gz file and judges it by its trailer, with errors that say what is wrong:
/// <list type="bullet">
/// <item>.NET's GZipStream ends quietly on a truncated file: this stream hashes what it decompresses and, at the end,
/// compares CRC-32 and size with the gzip trailer (the file's last 8 bytes), so a cut download is reported
/// (<c>truncated</c>) instead of silently shortening the corpus.</item>
/// <item>On a bad trailer checksum zlib fails the whole last read with "unsupported compression method" and the bytes
/// it decoded in that read are lost (for a small file: all of them). This stream then decodes the deflate data again
/// without zlib's trailer check (a raw DeflateStream after the gzip header), skips what it had delivered, delivers the
/// rest, and reports the mismatch as <c>corrupt</c> by name.</item>
/// </list>
/// Damage is thrown as <see cref="DamagedInputException"/>. (A multi-member .gz is judged by its last member's trailer
/// and would be reported as damaged; re-compress such files as one member.)
/// </summary>
public sealed class GzipCheckStream : Stream
{
    readonly string _path;
    readonly Crc32 _crc = new();
    Stream _decoder;
    bool _rawDeflate;
    long _length;
    bool _checked;

    public GzipCheckStream(Stream file, string path)
    {
        _path = path;
        _decoder = new GZipStream(file, CompressionMode.Decompress);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _decoder.Read(buffer);
        }
        catch (InvalidDataException) when (!_rawDeflate)
        {
            DecodeAgainWithoutTrailerCheck();
            return Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new DamagedInputException(DamagedInputException.Corrupt, $"gzip data is corrupt after {_length} decompressed bytes ({e.Message.Trim()}): the file is damaged");
        }
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

    void DecodeAgainWithoutTrailerCheck()
    {
        _decoder.Dispose();
        var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 14);
        try
        {
            file.Position = HeaderLength(file);
            var raw = new DeflateStream(file, CompressionMode.Decompress);
            var skip = new byte[1 << 16];
            for (var left = _length; left > 0;)
            {
                var k = raw.Read(skip, 0, (int)Math.Min(skip.Length, left));
                if (k == 0) throw new DamagedInputException(DamagedInputException.Corrupt, $"gzip data decodes differently on a second pass (ends after {_length - left} of {_length} bytes): the file is damaged");
                left -= k;
            }
            _decoder = raw;
            _rawDeflate = true;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Bytes before the deflate data: the fixed header (RFC 1952) and its optional extra field, name, comment and CRC-16.</summary>
    static long HeaderLength(Stream file)
    {
        Span<byte> fixedPart = stackalloc byte[10];
        file.ReadExactly(fixedPart);
        var flags = fixedPart[3];
        if ((flags & 4) != 0)
        {
            Span<byte> xlen = stackalloc byte[2];
            file.ReadExactly(xlen);
            file.Position += BinaryPrimitives.ReadUInt16LittleEndian(xlen);
        }
        for (var zeroTerminated = 0; zeroTerminated < 2; zeroTerminated++)
        {
            if ((flags & (zeroTerminated == 0 ? 8 : 16)) == 0) continue;
            int b;
            while ((b = file.ReadByte()) > 0) { }
            if (b < 0) throw new DamagedInputException(DamagedInputException.Truncated, "gzip header is cut short");
        }
        if ((flags & 2) != 0) file.Position += 2;
        return file.Position;
    }

    void Check()
    {
        Span<byte> trailer = stackalloc byte[8];
        using (var f = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (f.Length < 18) throw new DamagedInputException(DamagedInputException.Truncated, "gzip file is shorter than a gzip header and trailer: the file was cut short");
            f.Seek(-8, SeekOrigin.End);
            f.ReadExactly(trailer);
        }
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        uint actual = _crc.GetCurrentHashAsUInt32();
        if (size != (uint)_length)
            throw new DamagedInputException(DamagedInputException.Truncated, $"gzip data ends after {_length} decompressed bytes without its trailer: the file was cut short");
        if (crc != actual)
            throw new DamagedInputException(DamagedInputException.Corrupt, $"CRC-32 mismatch: the {_length} decompressed bytes have CRC {actual:x8} but the gzip trailer records {crc:x8}: the file is corrupt");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _decoder.Dispose();
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
