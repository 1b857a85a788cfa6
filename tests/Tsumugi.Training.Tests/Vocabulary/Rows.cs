using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Vocabulary;

/// <summary>Row comparisons written from the definitions, independent of the code under test.</summary>
public static class Rows
{
    public static bool BitEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && (a == b).all().item<bool>();

    public static double[] Row(Tensor weight, long id) => weight[id].to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>The mean of the given rows, in float64 (repeated ids count twice).</summary>
    public static double[] Mean(Tensor weight, IReadOnlyList<int> ids)
    {
        var sum = new double[weight.shape[1]];
        foreach (int id in ids)
        {
            var row = Row(weight, id);
            for (int k = 0; k < sum.Length; k++) sum[k] += row[k];
        }
        return sum.Select(s => s / ids.Count).ToArray();
    }

    /// <summary>Asserts |actual − expected| ≤ relative·|expected| + absolute elementwise, naming the row.</summary>
    public static void Close(double[] expected, Tensor actualRow, double relative, double absolute, string what)
    {
        var actual = actualRow.to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            Assert.True(Math.Abs(actual[k] - expected[k]) <= relative * Math.Abs(expected[k]) + absolute,
                $"{what}[{k}]: expected {expected[k]:R}, got {actual[k]:R}");
    }
}
