using System.Text;
using Tsumugi.Export.Gguf;

namespace Tsumugi.Export.Tests;

/// <summary>The GGUF byte layout (ggml docs/gguf.md), Q8_0 against its error bound, and the Q/K row permutation.</summary>
public sealed class GgufWriterTests
{
    [Fact]
    public void HeaderMetadataTensorInfosAndDataFollowTheSpecificationWithAlignedOffsets()
    {
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "llama");
        var first = Enumerable.Range(0, 6).Select(i => (float)i).ToArray();        // 24 bytes → padded to 32
        writer.AddTensor("a", [2, 3], GgufTensorType.F32, () => first);
        writer.AddTensor("b", [4], GgufTensorType.F16, () => [1f, -2f, 0.5f, 3f]);
        using var stream = new MemoryStream();
        writer.Write(stream);
        var r = new BinaryReader(new MemoryStream(stream.ToArray()));

        Assert.Equal("GGUF"u8.ToArray(), r.ReadBytes(4));
        Assert.Equal(3u, r.ReadUInt32());
        Assert.Equal(2ul, r.ReadUInt64());                                          // tensors
        Assert.Equal(2ul, r.ReadUInt64());                                          // general.alignment + architecture
        Assert.Equal("general.alignment", ReadString(r));
        Assert.Equal((uint)GgufValueType.UInt32, r.ReadUInt32());
        Assert.Equal(32u, r.ReadUInt32());
        Assert.Equal("general.architecture", ReadString(r));
        Assert.Equal((uint)GgufValueType.String, r.ReadUInt32());
        Assert.Equal("llama", ReadString(r));

        Assert.Equal("a", ReadString(r));
        Assert.Equal(2u, r.ReadUInt32());
        Assert.Equal(new ulong[] { 3, 2 }, new[] { r.ReadUInt64(), r.ReadUInt64() }); // ne0 = innermost = PyTorch's last
        Assert.Equal((uint)GgufTensorType.F32, r.ReadUInt32());
        Assert.Equal(0ul, r.ReadUInt64());
        Assert.Equal("b", ReadString(r));
        Assert.Equal(1u, r.ReadUInt32());
        Assert.Equal(4ul, r.ReadUInt64());
        Assert.Equal((uint)GgufTensorType.F16, r.ReadUInt32());
        Assert.Equal(32ul, r.ReadUInt64());                                         // 24 bytes padded to the alignment

        long infoEnd = r.BaseStream.Position;
        long dataStart = (infoEnd + 31) / 32 * 32;
        Assert.All(stream.ToArray()[(int)infoEnd..(int)dataStart], b => Assert.Equal(0, b));
        r.BaseStream.Position = dataStart;
        Assert.Equal(first, Enumerable.Range(0, 6).Select(_ => r.ReadSingle()));
        r.BaseStream.Position = dataStart + 32;
        Assert.Equal(new[] { 1f, -2f, 0.5f, 3f }, Enumerable.Range(0, 4).Select(_ => (float)r.ReadHalf()));
        Assert.Equal(dataStart + 64, stream.Length);                               // the last tensor is padded too
    }

    [Fact]
    public void WriterRejectsWhatLlamaCppCannotRead()
    {
        var writer = new GgufWriter();
        Assert.Throws<ArgumentException>(() => writer.AddString("general.alignment", "x"));   // duplicate key
        Assert.Throws<ArgumentException>(() => writer.AddTensor(new string('t', 65), [32], GgufTensorType.F32, () => new float[32]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("q", [2, 48], GgufTensorType.Q8_0, () => new float[96]));
        Assert.Throws<ArgumentException>(() => new GgufWriter(12));
    }

    [Fact]
    public void Q8_0StoresAnFp16ScalePerBlockOf32AndRoundTripsWithinHalfAStep()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 32 * 64).Select(i => (float)(random.NextDouble() * 2 - 1) * (1 + i / 32)).ToArray();
        values[40] = 0; // a block may contain exact zeros
        Array.Clear(values, 64, 32); // and an all-zero block must not divide by zero
        var bytes = GgufQuantizer.QuantizeQ8_0(values);
        Assert.Equal(64 * 34, bytes.Length);
        var back = GgufQuantizer.DequantizeQ8_0(bytes);
        for (int b = 0; b < 64; b++)
        {
            var block = values.AsSpan(b * 32, 32);
            float amax = 0;
            foreach (var x in block) amax = MathF.Max(amax, MathF.Abs(x));
            Assert.Equal((Half)(amax / 127f), BitConverter.ToHalf(bytes, b * 34));
            // Half a quantization step, plus the fp16 rounding of d (relative 2^-11) times |q| ≤ 127.
            float bound = amax / 254f + amax / 2048f + 1e-7f;
            for (int j = 0; j < 32; j++) Assert.True(MathF.Abs(back[b * 32 + j] - block[j]) <= bound, $"block {b} value {j}");
            if (amax > 0) Assert.Equal(127, Enumerable.Range(0, 32).Max(j => Math.Abs((int)(sbyte)bytes[b * 34 + 2 + j]))); // the largest |x| maps to ±127
        }
        Assert.All(back.AsSpan(64, 32).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Q8_0RoundsHalfwayAwayFromZeroLikeGgml()
    {
        var block = new float[32];
        block[0] = 127f;  // d = 1
        block[1] = 2.5f;
        block[2] = -2.5f;
        var bytes = GgufQuantizer.QuantizeQ8_0(block);
        Assert.Equal(new sbyte[] { 127, 3, -3 }, bytes.Skip(2).Take(3).Select(b => (sbyte)b));
    }

    [Fact]
    public void RopePermutationInterleavesTheTwoHalvesOfEachHead()
    {
        // Two heads of dimension 4, one column: HF rows (h, j·2 + i) → GGUF rows (h, 2i + j).
        float[] rows = [0, 1, 2, 3, 10, 11, 12, 13];
        Assert.Equal(new float[] { 0, 2, 1, 3, 10, 12, 11, 13 }, RopePermutation.HfToGguf(rows, heads: 2, columns: 1));
        // Whole rows move together.
        float[] matrix = [0, 0, 1, 1, 2, 2, 3, 3];
        Assert.Equal(new float[] { 0, 0, 2, 2, 1, 1, 3, 3 }, RopePermutation.HfToGguf(matrix, heads: 1, columns: 2));
    }

    static string ReadString(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes((int)r.ReadUInt64()));
}
