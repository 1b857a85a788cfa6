using Tsumugi.Generation.Engine;

namespace Tsumugi.Generation.Tests.Engine;

/// <summary>The SIMD kernels against the scalar reference loops, over odd shapes that leave tails in every loop.</summary>
public sealed class PackedMatrixTests
{
    static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(WeightFormat.F32, 37, 40)]   // 40 columns: a 16-lane tail of 8
    [InlineData(WeightFormat.F16, 37, 40)]
    [InlineData(WeightFormat.BF16, 37, 40)]
    [InlineData(WeightFormat.F16, 5, 200)]  // one-row kernels: three 64-column steps, a 16-lane tail of 8
    [InlineData(WeightFormat.BF16, 5, 200)]
    [InlineData(WeightFormat.F16, 3, 96)]   // a 64-column step and two 16-column ones
    [InlineData(WeightFormat.BF16, 3, 96)]
    [InlineData(WeightFormat.F32, 6, 96)]
    [InlineData(WeightFormat.Q8_0, 37, 96)]
    [InlineData(WeightFormat.Q8_0, 5, 64)]
    [InlineData(WeightFormat.Q8_0, 45, 1024)] // 40 rows × 1 KB of activations: the weight-row-block order for prefill chunks
    public void SimdKernelsEqualTheScalarReference(WeightFormat format, int rows, int cols)
    {
        var weights = Random(rows * cols, 1);
        var bias = Random(rows, 2);
        var simd = new PackedMatrix(weights, rows, cols, format, bias);
        var scalar = new PackedMatrix(weights, rows, cols, format, bias, simd: false);
        foreach (int n in new[] { 1, 3, 9, 40 })
        {
            var x = new Activations(n, cols);
            Random(n * cols, 3 + n).CopyTo(x.Values.AsSpan());
            if (format == WeightFormat.Q8_0) x.Quantize(n);
            var (expected, actual) = (new float[x.Capacity * rows], new float[x.Capacity * rows]);
            var scratch = new float[4 * cols];
            scalar.Multiply(x, n, expected, 0, rows, scratch);
            simd.Multiply(x, n, actual, 0, rows, scratch);
            for (int i = 0; i < n * rows; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4f, $"n {n}, output {i}: {expected[i]} vs {actual[i]}");
            // and the products are those of the packed weights (rounded per the format), not of something else
            float direct = 0;
            for (int k = 0; k < cols; k++) direct += simd.Weight(0, k) * x.Values[k];
            Assert.True(Math.Abs(direct + bias[0] - actual[0]) < (format == WeightFormat.Q8_0 ? 0.05f : 1e-4f), $"n {n}: {direct + bias[0]} vs {actual[0]}");
        }
    }

    /// <summary>Activations too large to pre-scale by 2¹¹² (|x| ≥ 65000) take the f16 kernel that rebiases each weight instead.</summary>
    [Fact]
    public void F16WithLargeActivationsEqualsTheScalarReference()
    {
        const int rows = 7, cols = 200;
        var weights = Random(rows * cols, 1);
        var simd = new PackedMatrix(weights, rows, cols, WeightFormat.F16);
        var scalar = new PackedMatrix(weights, rows, cols, WeightFormat.F16, simd: false);
        var x = new Activations(1, cols);
        Random(cols, 2).CopyTo(x.Values.AsSpan());
        x.Values[3] = 1e5f;
        var (expected, actual) = (new float[x.Capacity * rows], new float[x.Capacity * rows]);
        scalar.Multiply(x, 1, expected, 0, rows, new float[2 * cols]);
        simd.Multiply(x, 1, actual, 0, rows, new float[2 * cols]);
        for (int o = 0; o < rows; o++) Assert.True(Math.Abs(expected[o] - actual[o]) < 1e-5f * 1e5f, $"output {o}: {expected[o]} vs {actual[o]}");
    }

    [Fact]
    public void Q8WeightsRoundTripWithinHalfAStep()
    {
        var weights = Random(64 * 32, 9);
        var packed = new PackedMatrix(weights, 64, 32, WeightFormat.Q8_0);
        for (int r = 0; r < 64; r++)
        {
            float amax = weights.AsSpan(r * 32, 32).ToArray().Max(Math.Abs);
            for (int k = 0; k < 32; k++) Assert.True(Math.Abs(packed.Weight(r, k) - weights[r * 32 + k]) <= amax / 127 * 0.51 + 1e-3 * amax);
        }
    }

    [Fact]
    public void Q8FallsBackToF16WhenColumnsAreNotWholeBlocks() =>
        Assert.Equal(WeightFormat.F16, new PackedMatrix(Random(4 * 40, 1), 4, 40, WeightFormat.Q8_0).Format);
}
