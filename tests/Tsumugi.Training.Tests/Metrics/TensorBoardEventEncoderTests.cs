using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed class TensorBoardEventEncoderTests
{
    [Fact]
    public void FileVersionEventIsByteIdenticalToTensorflows()
    {
        // TensorFlow serializes Event(file_version="CRC test, one two") as these bytes (see Crc32CTests).
        Assert.Equal("\u001a\u0011CRC test, one two"u8.ToArray(), TensorBoardEventEncoder.FileVersion(0, "CRC test, one two"));
    }

    [Fact]
    public void ScalarEventHasTheExpectedProtobufLayout()
    {
        byte[] expected =
        [
            0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, // wall_time (1, fixed64) = 1.5
            0x10, 0xAC, 0x02,                   // step (2, varint) = 300
            0x2A, 0x0B,                         // summary (5, length-delimited), 11 bytes
            0x0A, 0x09,                         //   value (1, length-delimited), 9 bytes
            0x0A, 0x02, (byte)'l', (byte)'r',   //     tag (1) = "lr"
            0x15, 0, 0, 0x80, 0x3F,             //     simple_value (2, fixed32) = 1.0f
        ];
        Assert.Equal(expected, TensorBoardEventEncoder.Scalar(1.5, 300, "lr", 1.0f));
    }
}
