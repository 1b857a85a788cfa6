using Tsumugi.Modeling.Layers;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

public class RotaryEmbeddingTests
{
    [Fact]
    public void RotatesPairsIAndIPlusHalfByHandComputedAngles()
    {
        using var scope = NewDisposeScope();
        var config = new LlamaConfig { HiddenSize = 4, NumAttentionHeads = 1, NumKeyValueHeads = 1, VocabSize = 8, IntermediateSize = 8, NumHiddenLayers = 1, RopeTheta = 100 };
        using var rope = new RotaryEmbedding(config);
        var (cos, sin) = rope.Table(null, start: 3, length: 1, ScalarType.Float32, CPU);
        var x = tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 1, 4]);
        var y = RotaryEmbedding.Apply(x, cos, sin).data<float>().ToArray();
        // d = 4: frequencies 100^0 = 1 and 100^(-2/4) = 0.1; position 3 → angles 3 and 0.3; pairs (x0, x2), (x1, x3).
        double a0 = 3, a1 = 0.3;
        Assert.Equal(1 * Math.Cos(a0) - 3 * Math.Sin(a0), y[0], 5);
        Assert.Equal(2 * Math.Cos(a1) - 4 * Math.Sin(a1), y[1], 5);
        Assert.Equal(3 * Math.Cos(a0) + 1 * Math.Sin(a0), y[2], 5);
        Assert.Equal(4 * Math.Cos(a1) + 2 * Math.Sin(a1), y[3], 5);
    }

    [Fact]
    public void Llama3ScalingFollowsTheWavelengthRule()
    {
        var scaling = new RopeScaling("llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192);
        var plain = RotaryEmbedding.InverseFrequencies(128, 500000, null);
        var scaled = RotaryEmbedding.InverseFrequencies(128, 500000, scaling);
        for (int i = 0; i < plain.Length; i++)
        {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen < 8192 / 4.0) Assert.Equal(plain[i], scaled[i]);                 // high frequency: unchanged
            else if (wavelen > 8192 / 1.0) Assert.Equal(plain[i] / 8, scaled[i], 1e-9);  // low frequency: divided by factor
            else
            {
                double s = (8192 / wavelen - 1) / (4 - 1);
                Assert.Equal((1 - s) * plain[i] / 8 + s * plain[i], scaled[i], 1e-7);
                Assert.InRange(scaled[i], plain[i] / 8, plain[i]);
            }
        }
        Assert.Contains(plain.Select((f, i) => (f, i)), p => 2 * Math.PI / p.f > 8192);        // all three regimes occur
        Assert.Contains(plain.Select((f, i) => (f, i)), p => 2 * Math.PI / p.f < 2048);
    }

    [Fact]
    public void LinearScalingDividesEveryFrequency()
    {
        var plain = RotaryEmbedding.InverseFrequencies(16, 10000, null);
        var scaled = RotaryEmbedding.InverseFrequencies(16, 10000, new RopeScaling("linear", Factor: 4));
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i] / 4, scaled[i], 1e-9);
    }
}
