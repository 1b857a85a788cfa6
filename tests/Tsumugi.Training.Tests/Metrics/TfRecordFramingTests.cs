using System.Buffers.Binary;
using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed class TfRecordFramingTests
{
    [Fact]
    public void RecordIsLengthMaskedLengthCrcDataMaskedDataCrc()
    {
        byte[] data = "\u001a\u0011CRC test, one two"u8.ToArray();
        using var stream = new MemoryStream();
        TfRecordFraming.WriteRecord(stream, data);
        byte[] record = stream.ToArray();

        Assert.Equal(8 + 4 + data.Length + 4, record.Length);
        Assert.Equal((ulong)data.Length, BinaryPrimitives.ReadUInt64LittleEndian(record));
        Assert.Equal(Crc32C.ComputeMasked(record.AsSpan(0, 8)), BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(8)));
        Assert.Equal(data, record.AsSpan(12, data.Length).ToArray());
        // The data checksum TensorFlow itself wrote for these bytes.
        Assert.Equal(0x5794D08Au, BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(12 + data.Length)));
    }
}
