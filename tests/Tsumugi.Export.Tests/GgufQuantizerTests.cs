using Tsumugi.Export.Gguf;

namespace Tsumugi.Export.Tests;

/// <summary>
/// Q4_0/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K: block sizes of ggml's structs, blocks that must decode exactly, and the
/// reconstruction error of Gaussian rows against each format's bound.
/// </summary>
public sealed class GgufQuantizerTests
{
    public static TheoryData<GgufTensorType> Quantized => [GgufTensorType.Q4_0, GgufTensorType.Q5_0, GgufTensorType.Q5_1,
        GgufTensorType.Q8_0, GgufTensorType.Q4_K, GgufTensorType.Q5_K, GgufTensorType.Q6_K];

    [Fact]
    public void BlockSizesAreThoseOfGgmlsStructs()
    {
        const int fp16 = 2;
        var expected = new Dictionary<GgufTensorType, (int Values, int Bytes)>
        {
            [GgufTensorType.Q4_0] = (32, fp16 + 32 / 2),                              // d, qs[16]
            [GgufTensorType.Q5_0] = (32, fp16 + 4 + 32 / 2),                          // d, qh[4], qs[16]
            [GgufTensorType.Q5_1] = (32, 2 * fp16 + 4 + 32 / 2),                      // d, m, qh[4], qs[16]
            [GgufTensorType.Q8_0] = (32, fp16 + 32),
            [GgufTensorType.Q4_K] = (256, 2 * fp16 + 12 + 256 / 2),                   // d, dmin, scales[12], qs[128]
            [GgufTensorType.Q5_K] = (256, 2 * fp16 + 12 + 256 / 8 + 256 / 2),         // + qh[32]
            [GgufTensorType.Q6_K] = (256, 256 / 2 + 256 / 4 + 256 / 16 + fp16),       // ql[128], qh[64], scales[16], d
        };
        foreach (var (type, (values, bytes)) in expected)
        {
            Assert.Equal(values, GgufQuantizer.BlockSize(type));
            Assert.Equal(bytes, GgufQuantizer.BlockBytes(type));
            Assert.Equal(3L * bytes, GgufQuantizer.Encode(type, new float[3 * values]).Length);
            Assert.Equal(3 * values, GgufQuantizer.Decode(type, new byte[3 * bytes]).Length);
            Assert.Throws<ArgumentException>(() => GgufQuantizer.ByteSize(type, values + values / 2));
        }
    }

    [Theory]
    [MemberData(nameof(Quantized))]
    public void AllZeroBlocksDecodeToZero(GgufTensorType type)
    {
        var back = GgufQuantizer.RoundTrip(type, new float[512]);
        Assert.All(back, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void IntegerGridsThatFitTheFormatsDecodeExactly()
    {
        var random = new Random(3);
        // Q4_0: d = max/−8 with max the value of largest magnitude; −8 first, the rest in [−7, 7] gives d = 1.
        var q4 = Block(32, i => i == 0 ? -8 : random.Next(-7, 8));
        Assert.Equal(q4, GgufQuantizer.RoundTrip(GgufTensorType.Q4_0, q4));
        // Q5_0: d = max/−16.
        var q5 = Block(32, i => i == 5 ? -16 : random.Next(-15, 16));
        Assert.Equal(q5, GgufQuantizer.RoundTrip(GgufTensorType.Q5_0, q5));
        // Q5_1: d = (max − min)/31 = 0.5 and m = −3 are exact in fp16.
        var q51 = Block(32, i => i == 0 ? -3f : i == 1 ? 12.5f : -3 + 0.5f * random.Next(0, 32));
        Assert.Equal(q51, GgufQuantizer.RoundTrip(GgufTensorType.Q5_1, q51));
        // Q6_K: each 16-value sub-block has −32 (scale 1 fits exactly), so d = −1/128 and every int8 scale is −128.
        var q6 = Block(256, i => i % 16 == 7 ? -32 : random.Next(-20, 21));
        var bytes = GgufQuantizer.Encode(GgufTensorType.Q6_K, q6);
        Assert.Equal((Half)(-1f / 128), BitConverter.ToHalf(bytes, 208));
        Assert.All(bytes[192..208], s => Assert.Equal(-128, (sbyte)s));
        Assert.Equal(q6, GgufQuantizer.Decode(GgufTensorType.Q6_K, bytes));
    }

    [Theory]
    [InlineData(GgufTensorType.Q4_K, 15)]
    [InlineData(GgufTensorType.Q5_K, 31)]
    public void AConstantSuperBlockIsItsTopLevelWithTheLargestSixBitScale(GgufTensorType type, int top)
    {
        // min clamps to 0 and the only grid is max/nmax: scale c/nmax, 6-bit scale 63, d = c/(nmax·63), dmin 0.
        float c = top * 63 / 1024f;                               // d = 2^-10, exact in fp16
        var bytes = GgufQuantizer.Encode(type, Block(256, _ => c));
        Assert.Equal((Half)(1f / 1024), BitConverter.ToHalf(bytes, 0));
        Assert.Equal((Half)0, BitConverter.ToHalf(bytes, 2));
        // get_scale_min_k4 packing: bytes 0–3 scales 0–3 (6 bits) + the top 2 bits of scales 4–7, bytes 4–7 mins 0–3
        // + the top 2 bits of mins 4–7, bytes 8–11 the low nibbles of scales 4–7 and mins 4–7.
        Assert.Equal(new byte[] { 255, 255, 255, 255, 0, 0, 0, 0, 15, 15, 15, 15 }, bytes[4..16]);
        Assert.All(GgufQuantizer.Decode(type, bytes), v => Assert.Equal(c, v));
    }

    /// <summary>
    /// Gaussian rows with a few outliers: the max error per block stays within the format's step (half a step for
    /// the absmax formats, whose clamped top value may be off by one step), and the RMS error relative to σ is what
    /// the bits allow; more bits → smaller error, and k-quants beat Q4_0 at ~4.5 bits.
    /// </summary>
    [Fact]
    public void GaussianRowsRoundTripWithinEachFormatsBound()
    {
        var random = new Random(11);
        var values = new float[256 * 64];
        for (int i = 0; i < values.Length; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(0.02 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        for (int i = 0; i < values.Length; i += 997) values[i] *= 8;            // outliers, as trained weights have
        double sigma = Math.Sqrt(values.Average(v => (double)v * v));
        var rms = new Dictionary<GgufTensorType, double>();
        foreach (var type in new[] { GgufTensorType.Q4_0, GgufTensorType.Q5_0, GgufTensorType.Q5_1, GgufTensorType.Q8_0,
                     GgufTensorType.Q4_K, GgufTensorType.Q5_K, GgufTensorType.Q6_K })
        {
            var bytes = GgufQuantizer.Encode(type, values);
            var back = GgufQuantizer.Decode(type, bytes);
            rms[type] = Math.Sqrt(values.Zip(back, (a, b) => (double)(a - b) * (a - b)).Average()) / sigma;
            const int block = 32;                                           // Q4_0…Q8_0 blocks, Q4_K/Q5_K sub-blocks, two Q6_K sub-blocks
            for (int b = 0; b < values.Length; b += block)
            {
                var x = values.AsSpan(b, block);
                float max = float.MinValue, min = float.MaxValue, amax = 0;
                foreach (var v in x) { max = MathF.Max(max, v); min = MathF.Min(min, v); amax = MathF.Max(amax, MathF.Abs(v)); }
                var grid = Grid(type, bytes, b);
                float bound = type switch
                {
                    GgufTensorType.Q4_0 => amax / 8 * 1.01f,                    // step amax/8: the clamped +8 is a full step off
                    GgufTensorType.Q5_0 => amax / 16 * 1.01f,
                    GgufTensorType.Q5_1 => (max - min) / 31 * 0.51f + MathF.Abs(min) / 2048,
                    GgufTensorType.Q8_0 => amax / 254 + amax / 2048,
                    _ => 0,
                };
                for (int j = 0; j < block; j++)
                {
                    // k-quants: half a step of the stored sub-block grid, or the distance to the grid's nearer end
                    // (the fitted scale need not cover the extremes; the 6-bit scale rounding shifts the grid).
                    if (grid is var (step, low, high))
                    {
                        int sub = type == GgufTensorType.Q6_K ? j / 16 : 0;
                        bound = MathF.Max(step[sub] / 2, MathF.Max(low[sub] - x[j], x[j] - high[sub])) * 1.001f + 1e-9f;
                    }
                    Assert.True(MathF.Abs(back[b + j] - x[j]) <= bound, $"{type} block {b / block} value {j}: {x[j]} → {back[b + j]} (bound {bound})");
                }
            }
        }
        var report = string.Join(", ", rms.Select(r => $"{r.Key} {r.Value:0.0000}"));
        Console.WriteLine($"RMS error / σ: {report}");
        // A uniform b-bit grid over ≈ ±3σ has RMS error 6σ/2^b/√12 ≈ 1.73σ/2^b; allow the outliers' stretch.
        Assert.True(rms[GgufTensorType.Q4_0] < 0.12, report);
        Assert.True(rms[GgufTensorType.Q4_K] < 0.09, report);
        Assert.True(rms[GgufTensorType.Q5_K] < 0.045, report);
        Assert.True(rms[GgufTensorType.Q6_K] < 0.025, report);
        Assert.True(rms[GgufTensorType.Q8_0] < 0.008, report);
        Assert.True(rms[GgufTensorType.Q4_K] < rms[GgufTensorType.Q4_0], report);
        Assert.True(rms[GgufTensorType.Q5_K] < rms[GgufTensorType.Q5_0], report);
        Assert.True(rms[GgufTensorType.Q6_K] < rms[GgufTensorType.Q5_K] && rms[GgufTensorType.Q8_0] < rms[GgufTensorType.Q6_K], report);
    }

    [Fact]
    public void Q5_0KeepsTheFifthBitOfValueJInBitJOfQh()
    {
        // d = 1 (−16 first); value 3 = 19 − 16 has bit 4 set, value −13 = 3 − 16 does not.
        var x = Block(32, i => i == 0 ? -16 : i == 17 ? 3 : -13);
        var bytes = GgufQuantizer.Encode(GgufTensorType.Q5_0, x);
        Assert.Equal(1u << 17, BitConverter.ToUInt32(bytes, 2));
        Assert.Equal(3, bytes[6 + 1] >> 4);                                     // value 17 = high nibble of byte 1
    }

    /// <summary>
    /// The grid of the k-quant sub-block(s) holding values b…b+31, read from the block bytes as ggml-common.h lays
    /// them out: step, lowest and highest representable value (Q6_K: two sub-blocks of 16).
    /// </summary>
    static (float[] Step, float[] Low, float[] High)? Grid(GgufTensorType type, byte[] bytes, int b)
    {
        if (type is not (GgufTensorType.Q4_K or GgufTensorType.Q5_K or GgufTensorType.Q6_K)) return null;
        int super = b / 256, bytesPer = GgufQuantizer.BlockBytes(type);
        var block = bytes.AsSpan(super * bytesPer, bytesPer);
        if (type == GgufTensorType.Q6_K)
        {
            float d = (float)BitConverter.ToHalf(block[208..]);
            var steps = new float[2];
            var lows = new float[2];
            var highs = new float[2];
            for (int s = 0; s < 2; s++)
            {
                float step = d * (sbyte)block[192 + (b % 256) / 16 + s];
                steps[s] = MathF.Abs(step);
                lows[s] = MathF.Min(-32 * step, 31 * step);
                highs[s] = MathF.Max(-32 * step, 31 * step);
            }
            return (steps, lows, highs);
        }
        int j = (b % 256) / 32, nmax = type == GgufTensorType.Q4_K ? 15 : 31;
        var q = block.Slice(4, 12);
        int sc = j < 4 ? q[j] & 63 : (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        int m = j < 4 ? q[j + 4] & 63 : (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        float dj = (float)BitConverter.ToHalf(block) * sc, min = (float)BitConverter.ToHalf(block[2..]) * m;
        return ([dj], [-min], [nmax * dj - min]);
    }

    static float[] Block(int n, Func<int, float> value) => Enumerable.Range(0, n).Select(value).ToArray();
}
