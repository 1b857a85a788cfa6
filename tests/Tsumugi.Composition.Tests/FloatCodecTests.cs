using Tsumugi.Composition.Tensors;

namespace Tsumugi.Composition.Tests;

public class FloatCodecTests
{
    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(1.00390625f, (ushort)0x3F80)] // 1 + 2⁻⁸: exactly half way, ties to even (down)
    [InlineData(1.01171875f, (ushort)0x3F82)] // 1 + 3·2⁻⁸: half way, ties to even (up)
    [InlineData(-2.0f, (ushort)0xC000)]
    public void ToBf16_Value_RoundsToNearestEven(float value, ushort expected) =>
        Assert.Equal(expected, FloatCodec.ToBf16(BitConverter.SingleToUInt32Bits(value)));

    [Theory]
    [InlineData("F32")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void EncodeDecode_RepresentableValues_RoundTrip(string dtype)
    {
        // Values exact in every format, more than one SIMD vector long.
        float[] values = Enumerable.Range(-40, 81).Select(i => i * 0.25f).ToArray();
        var bytes = new byte[values.Length * FloatCodec.SizeOf(dtype)];
        FloatCodec.Encode(values, dtype, bytes);
        var back = new float[values.Length];
        FloatCodec.Decode(bytes, dtype, back);
        Assert.Equal(values, back);
    }

    [Fact]
    public void ToBf16_NaN_StaysNaN() =>
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)FloatCodec.ToBf16(0x7F80_0001) << 16)));
}
