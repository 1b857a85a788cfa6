using System.Text;
using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed class Crc32CTests
{
    [Fact]
    public void MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void MatchesTheIscsiExamplesOfRfc3720()
    {
        // RFC 3720, section B.4: 32 bytes of zeros, of ones, ascending and descending.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void HandlesLengthsThatAreNotAMultipleOfEight()
    {
        // The 8-byte fast path and the byte tail must agree with a byte-at-a-time reference.
        byte[] data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog");
        for (int length = 0; length <= data.Length; length++)
            Assert.Equal(BitwiseReference(data.AsSpan(0, length)), Crc32C.Compute(data.AsSpan(0, length)));
    }

    [Fact]
    public void MaskedChecksumMatchesOneFromARealTensorflowEventFile()
    {
        // From TensorBoard's rustboard tests: record data of Event(file_version="CRC test, one two") written by TensorFlow.
        Assert.Equal(0x5794D08Au, Crc32C.ComputeMasked("\u001a\u0011CRC test, one two"u8));
    }

    private static uint BitwiseReference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }
}
