using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Composition.Tests.Moe;

/// <summary>ModelSource reads a transformers-v5 fused Mixtral under the classic per-expert names, value for value.</summary>
public sealed class FusedModelSourceTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-fused-source");
    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("float32")]
    [InlineData("bfloat16")]
    public void ModelSource_FusedLayout_ReadsTheClassicTensors(string dtype)
    {
        var classic = TinyModelDirectory.Write(_temp.File("classic"), MoeTestModels.Words, seed: 2, configure: TinyModelDirectory.Mixtral);
        var fused = _temp.File("fused");
        Directory.CreateDirectory(fused);
        foreach (var f in Directory.GetFiles(classic)) File.Copy(f, Path.Combine(fused, Path.GetFileName(f)));
        var type = dtype == "float32" ? ScalarType.Float32 : ScalarType.BFloat16;
        var all = StateDictIO.ReadAll(classic, type);
        var output = all.Where(kv => !kv.Key.Contains(".block_sparse_moe.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        for (int l = 0; l < 2; l++)
        {
            string p = $"model.layers.{l}.block_sparse_moe.";
            output[$"model.layers.{l}.mlp.gate.weight"] = all[p + "gate.weight"];
            output[$"model.layers.{l}.mlp.experts.gate_up_proj"] = stack(Enumerable.Range(0, 4)
                .Select(e => cat([all[$"{p}experts.{e}.w1.weight"], all[$"{p}experts.{e}.w3.weight"]], 0)).ToArray(), 0);
            output[$"model.layers.{l}.mlp.experts.down_proj"] = stack(Enumerable.Range(0, 4).Select(e => all[$"{p}experts.{e}.w2.weight"]).ToArray(), 0);
        }
        File.Delete(Path.Combine(fused, CheckpointDirectory.SingleFile));
        SafetensorsWriter.Write(Path.Combine(fused, CheckpointDirectory.SingleFile), output);
        if (type != ScalarType.Float32) // the classic reference in the same dtype
        {
            File.Delete(Path.Combine(classic, CheckpointDirectory.SingleFile));
            SafetensorsWriter.Write(Path.Combine(classic, CheckpointDirectory.SingleFile), all);
        }
        foreach (var t in output.Values.Concat(all.Values).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) t.Dispose();

        var expected = MoeTestModels.ReadAll(classic);
        var actual = MoeTestModels.ReadAll(fused);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected) Assert.Equal(values, actual[name]);
        using var fusedSource = ModelSource.Open(fused, fused);
        using var classicSource = ModelSource.Open(classic, classic);
        foreach (var name in expected.Keys)
        {
            Assert.Equal(classicSource.Entry(name)!.Shape, fusedSource.Entry(name)!.Shape);
            Assert.Equal(classicSource.Entry(name)!.DType, fusedSource.Entry(name)!.DType);
        }
    }
}
