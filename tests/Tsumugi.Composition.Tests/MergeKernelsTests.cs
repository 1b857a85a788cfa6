using static Tsumugi.Composition.Tests.KernelTestData;

namespace Tsumugi.Composition.Tests;

public class MergeKernelsTests
{
    const int N = 257;

    [Fact]
    public void Linear_RandomTensors_EqualsNormalizedWeightedSum()
    {
        float[] a = Random(N, 1), b = Random(N, 2), c = Random(N, 3);
        double[] w = [0.2, 0.5, 0.9];
        var output = Run("linear", Inputs([a, b, c], -1, Defaults("linear"), P(("weight", w[0])), P(("weight", w[1])), P(("weight", w[2]))));
        Close(Enumerable.Range(0, N).Select(i => (w[0] * a[i] + w[1] * b[i] + w[2] * c[i]) / w.Sum()).ToArray(), output);

        var raw = Run("linear", Inputs([a, b], -1, Defaults("linear", ("normalize", false)), P(("weight", 2.0)), P(("weight", 3.0))));
        Close(Enumerable.Range(0, N).Select(i => 2.0 * a[i] + 3.0 * b[i]).ToArray(), raw);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void Slerp_RandomTensors_EqualsSphericalFormula(double t)
    {
        float[] a = Random(N, 4), b = Random(N, 5, scale: 3);
        double na = Math.Sqrt(a.Sum(x => (double)x * x)), nb = Math.Sqrt(b.Sum(x => (double)x * x));
        double dot = a.Zip(b, (x, y) => x / na * (y / nb)).Sum();
        double theta = Math.Acos(dot);
        var expected = Enumerable.Range(0, N)
            .Select(i => Math.Sin((1 - t) * theta) / Math.Sin(theta) * a[i] + Math.Sin(t * theta) / Math.Sin(theta) * b[i]).ToArray();
        // The base is input 1 here: slerp starts from the base whatever its position.
        Close(expected, Run("slerp", Inputs([b, a], 1, P(("t", t)))));
    }

    [Fact]
    public void Slerp_ColinearTensors_FallsBackToLerp()
    {
        float[] a = Random(N, 6);
        float[] b = a.Select(x => 2.5f * x).ToArray(); // cos = 1: the slerp weights would be 0/0
        var output = Run("slerp", Inputs([a, b], 0, P(("t", 0.4))));
        Close(Enumerable.Range(0, N).Select(i => 0.6 * a[i] + 0.4 * b[i]).ToArray(), output);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void TaskArithmetic_RandomTensors_AddsLambdaTimesWeightedTaskVectors()
    {
        float[] b = Random(N, 7), x = Random(N, 8), y = Random(N, 9);
        var output = Run("task_arithmetic", Inputs([b, x, y], 0, Defaults("task_arithmetic", ("lambda", 0.5)),
            P(), P(("weight", 0.7), ("density", 1.0)), P(("weight", -0.4), ("density", 1.0))));
        Close(Enumerable.Range(0, N).Select(i => b[i] + 0.5 * (0.7 * (x[i] - b[i]) - 0.4 * (y[i] - b[i]))).ToArray(), output);
    }

    [Fact]
    public void Ties_RandomTensors_ElectsSignAndTakesDisjointMean()
    {
        float[] b = Random(N, 10), x = Random(N, 11), y = Random(N, 12), z = Random(N, 13);
        double[] weights = [1.0, 0.6, 0.8], densities = [0.5, 0.3, 1.0];
        float[][] others = [x, y, z];
        // The definition: top-k by |τ| per model, weighted, elected sign = sign(Σ), mean over the agreeing entries.
        var kept = others.Select((m, k) =>
        {
            var tau = m.Select((v, i) => (double)v - b[i]).ToArray();
            int keep = (int)(densities[k] * N);
            var top = tau.Select((v, i) => (Math.Abs(v), i)).OrderByDescending(p => p.Item1).Take(keep).Select(p => p.i).ToHashSet();
            return tau.Select((v, i) => top.Contains(i) ? weights[k] * v : 0).ToArray();
        }).ToArray();
        var expected = new double[N];
        for (int i = 0; i < N; i++)
        {
            double elected = kept.Sum(k => k[i]) >= 0 ? 1 : -1;
            double sum = 0, divisor = 0;
            for (int k = 0; k < 3; k++)
                if (Math.Sign(kept[k][i]) == elected) { sum += kept[k][i]; divisor += weights[k]; }
            expected[i] = b[i] + sum / (divisor == 0 ? 1 : divisor);
        }
        var output = Run("ties", Inputs([b, x, y, z], 0, Defaults("ties"), P(),
            P(("weight", weights[0]), ("density", densities[0])), P(("weight", weights[1]), ("density", densities[1])), P(("weight", weights[2]), ("density", densities[2]))));
        Close(expected, output);
    }

    [Fact]
    public void DareLinear_FixedSeed_DropsAndRescalesByL1()
    {
        const int n = 20_000;
        float[] b = Random(n, 14), x = Random(n, 15);
        var inputs = Inputs([b, x], 0, Defaults("dare_linear", ("normalize", false)), P(), P(("weight", 1.0), ("density", 0.3)));
        var output = Run("dare_linear", inputs);
        var tau = x.Select((v, i) => (double)v - b[i]).ToArray();
        var delta = output.Select((v, i) => (double)v - b[i]).ToArray();
        var keptIdx = Enumerable.Range(0, n).Where(i => Math.Abs(delta[i]) > 1e-6).ToArray();
        double keptFraction = (double)keptIdx.Length / n;
        Assert.InRange(keptFraction, 0.28, 0.32);
        // Kept entries are τ times one factor: ‖τ‖₁ / ‖kept τ‖₁ (not 1/density).
        double scale = tau.Sum(Math.Abs) / keptIdx.Sum(i => Math.Abs(tau[i]));
        Assert.NotEqual(1 / 0.3, scale, 3);
        foreach (int i in keptIdx) Assert.True(Math.Abs(tau[i] * scale - delta[i]) < 1e-5, $"element {i}: {delta[i]} is not τ·{scale} = {tau[i] * scale}");

        Assert.Equal(output, Run("dare_linear", Inputs([b, x], 0, Defaults("dare_linear", ("normalize", false)), P(), P(("weight", 1.0), ("density", 0.3)))));
        var otherSeed = Inputs([b, x], 0, Defaults("dare_linear", ("normalize", false)), P(), P(("weight", 1.0), ("density", 0.3)));
        var reseeded = new Methods.TensorInputs
        {
            TensorName = otherSeed.TensorName, Shape = otherSeed.Shape, Length = n, Values = otherSeed.Values, BaseIndex = 0,
            Parameters = otherSeed.Parameters, ModelParameters = otherSeed.ModelParameters, Seed = 8,
        };
        Assert.NotEqual(output, Run("dare_linear", reseeded));
    }

    [Fact]
    public void Breadcrumbs_RandomTensor_KeepsMagnitudeBand()
    {
        const int n = 1000;
        float[] b = Random(n, 16), x = Random(n, 17);
        var output = Run("breadcrumbs", Inputs([b, x], 0, Defaults("breadcrumbs"), P(), P(("weight", 1.0), ("density", 0.6), ("gamma", 0.05))));
        var tau = x.Select((v, i) => (double)v - b[i]).ToArray();
        // Ascending by |τ|: drop the 350 smallest (n − 600 − 50) and the 50 largest.
        var band = tau.Select((v, i) => (Math.Abs(v), i)).OrderBy(p => p.Item1).Skip(350).Take(600).Select(p => p.i).ToHashSet();
        Close(Enumerable.Range(0, n).Select(i => b[i] + (band.Contains(i) ? tau[i] : 0)).ToArray(), output);
    }

    [Theory]
    [InlineData(0, 8, new float[] { 1, -1, 1, 2, -2, 0, -0f, 3 })]
    [InlineData(3, 6, new float[] { 1, -1, 1, 2, -2, 0, -0f, 3 })]
    [InlineData(1, 2, new float[] { 1, -1, 1, 2, -2, 0, -0f, 3 })]
    [InlineData(4, 4, new float[] { 1, -1, 1, 2, -2, 0, -0f, 3 })]
    public void KeepRankBand_TiedMagnitudes_KeepsExactlyTheBandSize(int from, int to, float[] values)
    {
        var kept = (float[])values.Clone();
        Methods.Sparsify.KeepRankBand(kept, from, to);
        // Any order of equal magnitudes is a valid ranking: the kept multiset of |v| must be the band of the sorted |v|.
        var band = values.Select(Math.Abs).Order().Skip(from).Take(to - from).ToArray();
        var nonZeroKept = kept.Where((v, i) => v != 0 || values[i] == 0).Select(Math.Abs).Order().ToArray();
        Assert.Equal(band.Where(v => v != 0), nonZeroKept.Where(v => v != 0));
        Assert.All(kept.Select((v, i) => (v, i)), p => Assert.True(p.v == 0 || p.v == values[p.i]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ModelStock_RandomTensors_UsesAngleBasedRatio(bool filterWise)
    {
        const int rows = 4, cols = 50;
        float[] w0 = Random(rows * cols, 18), w1 = Random(rows * cols, 19), w2 = Random(rows * cols, 20), w3 = Random(rows * cols, 21);
        float[][] ws = [w1, w2, w3];
        var expected = new double[rows * cols];
        int rowLength = filterWise ? cols : rows * cols;
        for (int start = 0; start < rows * cols; start += rowLength)
        {
            var range = Enumerable.Range(start, rowLength).ToArray();
            double Cos(float[] p, float[] q)
            {
                double dot = range.Sum(i => ((double)p[i] - w0[i]) * ((double)q[i] - w0[i]));
                double np = Math.Sqrt(range.Sum(i => Math.Pow(p[i] - w0[i], 2))), nq = Math.Sqrt(range.Sum(i => Math.Pow(q[i] - w0[i], 2)));
                return Math.Clamp(dot / Math.Max(np * nq, 1e-6), -1, 1);
            }
            double cos = (Cos(w1, w2) + Cos(w1, w3) + Cos(w2, w3)) / 3;
            double t = 3 * cos / (1 + 2 * cos);
            foreach (int i in range) expected[i] = t * ws.Average(w => (double)w[i]) + (1 - t) * w0[i];
        }
        var inputs = Inputs([w0, w1, w2, w3], 0, Defaults("model_stock", ("filter_wise", filterWise)));
        var shaped = new Methods.TensorInputs
        {
            TensorName = inputs.TensorName, Shape = [rows, cols], Length = rows * cols, Values = inputs.Values, BaseIndex = 0,
            Parameters = inputs.Parameters, ModelParameters = inputs.ModelParameters,
        };
        Close(expected, Run("model_stock", shaped), 1e-4);
    }

    [Fact]
    public void Passthrough_Scale_MultipliesTheSource()
    {
        float[] a = Random(N, 22);
        Close(a.Select(v => 0.5 * v).ToArray(), Run("passthrough", Inputs([a], -1, P(), P(("scale", 0.5)))));
        Close(a.Select(v => (double)v).ToArray(), Run("passthrough", Inputs([a], -1, P(), P(("scale", null)))));
    }
}
