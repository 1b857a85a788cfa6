using System.Text.Json.Nodes;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Composition.Tests.Moe;

/// <summary>Helpers shared by the MoE tests: tiny dense models, tensor reads and logits.</summary>
internal static class MoeTestModels
{
    public static readonly string[] Words = ["ねこ", "いぬ", "とり", "さかな"];

    /// <summary>A tiny dense Llama (2 layers, width 64) with a byte-fallback tokenizer.</summary>
    public static string Dense(string directory, long seed, Action<LlamaConfig>? configure = null) =>
        TinyModelDirectory.Write(directory, Words, seed, contextLength: 256, configure);

    public static float[] Read(string directory, string tensor)
    {
        using var model = ModelSource.Open(directory, directory);
        var entry = model.Entry(tensor) ?? throw new InvalidOperationException($"{directory}: no tensor {tensor}");
        var values = new float[entry.Shape.Aggregate(1L, (a, d) => a * d)];
        model.ReadFloats(tensor, values);
        return values;
    }

    public static long[] Shape(string directory, string tensor)
    {
        using var model = ModelSource.Open(directory, directory);
        return model.Entry(tensor)!.Shape;
    }

    public static Dictionary<string, float[]> ReadAll(string directory)
    {
        using var model = ModelSource.Open(directory, directory);
        return model.TensorNames.ToDictionary(n => n, n =>
        {
            var values = new float[model.Entry(n)!.Shape.Aggregate(1L, (x, y) => x * y)];
            model.ReadFloats(n, values);
            return values;
        });
    }

    public static JsonObject ConfigJson(string directory) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!;

    /// <summary>Logits [T, V] of one fixed token sequence, loaded through HfModelDirectory as a user would.</summary>
    public static float[] Logits(string directory, long[] ids)
    {
        using var model = HfModelDirectory.Load(directory);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.Forward(tensor(ids).unsqueeze(0)).Logits.contiguous().data<float>().ToArray();
    }

    public static readonly long[] Tokens = [1, 5, 9, 23, 7, 40, 3, 11, 60, 2, 17, 31];

    public static double MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
