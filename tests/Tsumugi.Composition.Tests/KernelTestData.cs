using Tsumugi.Composition.Methods;

namespace Tsumugi.Composition.Tests;

/// <summary>Random tensors and <see cref="TensorInputs"/> for the kernel tests; the expected values are recomputed
/// from the formulas in double, independently of the kernels.</summary>
static class KernelTestData
{
    public static float[] Random(int n, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    public static TensorInputs Inputs(float[][] values, int baseIndex, Dictionary<string, object?> global,
        params Dictionary<string, object?>[] perModel) => new()
    {
        TensorName = "model.layers.0.mlp.up_proj.weight",
        Shape = [values[0].Length],
        Length = values[0].Length,
        Values = values.Select(v => (float[])v.Clone()).ToArray(),
        BaseIndex = baseIndex,
        Parameters = global,
        ModelParameters = perModel.Length > 0 ? perModel : values.Select(_ => new Dictionary<string, object?>()).ToArray(),
        Seed = 7,
    };

    public static Dictionary<string, object?> P(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    /// <summary>The global parameters of a method with its defaults, overridden by <paramref name="values"/>.</summary>
    public static Dictionary<string, object?> Defaults(string method, params (string Name, object? Value)[] values)
    {
        var result = MergeMethodInfo.All[method].Global.ToDictionary(d => d.Name, d => d.Default);
        foreach (var (name, value) in values) result[name] = value;
        return result;
    }

    public static void Close(double[] expected, float[] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static float[] Run(string method, TensorInputs inputs)
    {
        var output = new float[inputs.Length];
        MergeKernels.Merge(MergeMethodInfo.All[method], inputs, output);
        return output;
    }
}
