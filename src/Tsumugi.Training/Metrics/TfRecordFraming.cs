using System.Buffers.Binary;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files:
/// <c>uint64 length (LE) | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data</c>.
/// </summary>
internal static class TfRecordFraming
{
    public const int HeaderLength = sizeof(ulong) + sizeof(uint);
    public const int FooterLength = sizeof(uint);

    /// <summary>Writes one record with a single <see cref="Stream.Write(ReadOnlySpan{byte})"/> call, so a reader never sees a header without its data in the stream's buffer.</summary>
    public static void WriteRecord(Stream destination, ReadOnlySpan<byte> data)
    {
        byte[] record = new byte[HeaderLength + data.Length + FooterLength];
        Span<byte> span = record;
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[sizeof(ulong)..], Crc32C.ComputeMasked(span[..sizeof(ulong)]));
        data.CopyTo(span[HeaderLength..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(HeaderLength + data.Length)..], Crc32C.ComputeMasked(data));
        destination.Write(record);
    }
}
