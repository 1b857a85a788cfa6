using Tsumugi.Generation.Engine;

namespace Tsumugi.Generation.Tests.Engine;

/// <summary>
/// The attention kernels over a <see cref="DecodeState"/> against an eager softmax attention in double over the same
/// cached keys and values (rounded to f16 first for an f16 cache): every position of several sequences of lengths
/// around the 16-position key blocks, with and without sliding windows, head dims that take every SIMD path and the
/// scalar one.
/// </summary>
public sealed class AttentionKernelsTests
{
    const int Layers = 2, KvHeads = 2;

    static float[] Random(Random random, int count, float magnitude = 1) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * magnitude).ToArray();

    /// <summary>A filled cache and the f32 keys and values it was given, [layer][head][position][dim].</summary>
    static (DecodeState State, float[][][][] Keys, float[][][][] Values) Filled(int length, int headDim, bool half, int seed)
    {
        var random = new Random(seed);
        var state = new DecodeState(Layers, KvHeads, headDim, 256, half);
        var keys = new float[Layers][][][];
        var values = new float[Layers][][][];
        for (int l = 0; l < Layers; l++)
        {
            (keys[l], values[l]) = (new float[KvHeads][][], new float[KvHeads][][]);
            for (int h = 0; h < KvHeads; h++)
            {
                keys[l][h] = Enumerable.Range(0, length).Select(_ => Random(random, headDim)).ToArray();
                values[l][h] = Enumerable.Range(0, length).Select(_ => Random(random, headDim)).ToArray();
            }
        }
        for (int p = 0; p < length; p++) // one position at a time, as decoding grows the cache
        {
            state.EnsureCapacity(p + 1);
            for (int l = 0; l < Layers; l++)
                for (int h = 0; h < KvHeads; h++) state.Store(l, h, p, keys[l][h][p], values[l][h][p]);
            state.Length = p + 1;
        }
        return (state, keys, values);
    }

    static float Cached(float value, bool half) => half ? (float)(Half)value : value;

    static double[] Reference(float[][] keys, float[][] values, int position, int? window, float[] query, float scale, bool half)
    {
        int first = window is { } w ? Math.Max(0, position - w + 1) : 0;
        var scores = Enumerable.Range(first, position - first + 1)
            .Select(t => scale * query.Select((q, d) => (double)q * Cached(keys[t][d], half)).Sum()).ToArray();
        double max = scores.Max();
        var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
        double sum = weights.Sum();
        return Enumerable.Range(0, query.Length)
            .Select(d => Enumerable.Range(0, weights.Length).Sum(i => weights[i] * Cached(values[first + i][d], half)) / sum).ToArray();
    }

    [Theory]
    [InlineData(64, false)]
    [InlineData(64, true)]
    [InlineData(80, false)] // a 64-wide slab and a 16-wide one
    [InlineData(80, true)]
    [InlineData(16, true)]
    [InlineData(24, false)] // not whole vectors: the scalar loops
    [InlineData(24, true)]
    public void KernelsEqualAnEagerReference(int headDim, bool half)
    {
        var sequences = new[] { 1, 15, 16, 17, 33, 70 }.Select((length, i) => Filled(length, headDim, half, 10 + i)).ToArray();
        var random = new Random(5);
        float scale = 1 / MathF.Sqrt(headDim);
        var scratch = new float[AttentionKernels.ScratchLength(headDim, 256)];
        var output = new float[headDim];
        foreach (var (state, keys, values) in sequences)
            foreach (int? window in new int?[] { null, 1, 5, 16, 17 })
                for (int p = 0; p < state.Length; p++)
                    for (int l = 0; l < Layers; l++)
                        for (int h = 0; h < KvHeads; h++)
                        {
                            var query = Random(random, headDim, 3);
                            AttentionKernels.Attend(state, l, h, p, window, query, scale, output, scratch);
                            var expected = Reference(keys[l][h], values[l][h], p, window, query, scale, half);
                            for (int d = 0; d < headDim; d++)
                                Assert.True(Math.Abs(expected[d] - output[d]) < 1e-5,
                                    $"length {state.Length}, position {p}, window {window}, layer {l}, head {h}, dim {d}: {output[d]} vs {expected[d]}");
                        }
    }

    /// <summary>
    /// A query so large that × 2¹¹² would overflow f32 (the f16 cache's prescaling): the kernel lowers the factor and
    /// scales the scores back, so the softmax still picks the right keys.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LargeQueriesKeepTheirScores(bool half)
    {
        const int headDim = 64;
        var (state, keys, values) = Filled(40, headDim, half, 3);
        var random = new Random(8);
        var scratch = new float[AttentionKernels.ScratchLength(headDim, 256)];
        var output = new float[headDim];
        foreach (float magnitude in new[] { 1e3f, 1e5f, 1e7f })
        {
            var query = Random(random, headDim, magnitude);
            AttentionKernels.Attend(state, 0, 1, 39, null, query, 0.125f, output, scratch);
            var expected = Reference(keys[0][1], values[0][1], 39, null, query, 0.125f, half);
            for (int d = 0; d < headDim; d++) Assert.True(Math.Abs(expected[d] - output[d]) < 1e-5, $"|q| ~ {magnitude}, dim {d}: {output[d]} vs {expected[d]}");
        }
    }

    /// <summary>A prefix copied into a fresh cache (a shared prompt) attends exactly as the source, before and after both grow on.</summary>
    [Theory]
    [InlineData(false, 70)]
    [InlineData(true, 70)]
    [InlineData(true, 17)]
    public void CopiedPrefixAttendsAsTheSource(bool half, int prefix)
    {
        const int headDim = 32;
        var (source, _, _) = Filled(100, headDim, half, 4);
        var copy = new DecodeState(Layers, KvHeads, headDim, 256, half);
        copy.CopyPrefix(source, prefix);
        Assert.Equal(prefix, copy.Length);
        var random = new Random(6);
        var extra = Random(random, headDim);
        copy.EnsureCapacity(200); // grows: the copied blocks move to the new layout
        copy.Store(1, 0, prefix, extra, extra);
        var scratch = new float[AttentionKernels.ScratchLength(headDim, 256)];
        var (a, b) = (new float[headDim], new float[headDim]);
        for (int p = 0; p < prefix; p++)
        {
            var query = Random(random, headDim);
            AttentionKernels.Attend(source, p % Layers, p % KvHeads, p, p % 3 == 0 ? 7 : null, query, 0.2f, a, scratch);
            AttentionKernels.Attend(copy, p % Layers, p % KvHeads, p, p % 3 == 0 ? 7 : null, query, 0.2f, b, scratch);
            Assert.Equal(a, b);
        }
        Assert.Throws<ArgumentException>(() => new DecodeState(Layers, KvHeads, headDim, 256, !half).CopyPrefix(source, prefix));
    }
}
