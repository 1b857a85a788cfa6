using Tsumugi.Composition.Moe;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Checkpoints;
using static Tsumugi.Composition.Tests.Moe.MoeTestModels;

namespace Tsumugi.Composition.Tests.Moe;

public sealed class BranchTrainMixTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-btx");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Assemble_AveragesNonFfnWeightsAndTakesExpertsFromTheirSources()
    {
        var a = Dense(_temp.File("a"), seed: 1);
        var b = Dense(_temp.File("b"), seed: 2);
        var result = BranchTrainMix.Assemble(new BtxOptions([a, b], _temp.File("btx"), ExpertsPerSource: 2, TopK: 2));
        Assert.Equal(4, result.Experts);
        var da = ReadAll(a);
        var db = ReadAll(b);
        var moe = ReadAll(result.Directory);
        int compared = 0;
        foreach (var (name, va) in da.Where(kv => !kv.Key.Contains(".mlp.")))
        {
            var vb = db[name];
            var mean = va.Zip(vb, (x, y) => (x + y) * 0.5f).ToArray();
            Assert.Equal(mean, moe[name]);
            if (va.SequenceEqual(vb)) continue; // norms start at 1 in both
            Assert.NotEqual(va, moe[name]); // the sources really differ here, so this is not a copy
            compared++;
        }
        Assert.True(compared >= 8, $"only {compared} shared tensors compared");
        for (int l = 0; l < 2; l++)
            for (int e = 0; e < 4; e++)
            {
                var source = e < 2 ? da : db; // expert e from source ⌊e / 2⌋
                Assert.Equal(source[$"model.layers.{l}.mlp.gate_proj.weight"], moe[$"model.layers.{l}.block_sparse_moe.experts.{e}.w1.weight"]);
                Assert.Equal(source[$"model.layers.{l}.mlp.up_proj.weight"], moe[$"model.layers.{l}.block_sparse_moe.experts.{e}.w3.weight"]);
                Assert.Equal(source[$"model.layers.{l}.mlp.down_proj.weight"], moe[$"model.layers.{l}.block_sparse_moe.experts.{e}.w2.weight"]);
            }
        using var model = HfModelDirectory.Load(result.Directory); // loads as a Mixtral with 4 experts
        Assert.Equal(4, model.Config.NumLocalExperts);
    }

    [Fact]
    public void Assemble_MismatchedShapes_FailsNamingModelAndTensor()
    {
        var a = Dense(_temp.File("a"), seed: 1);
        var b = Dense(_temp.File("b"), seed: 2, c => c.IntermediateSize = 96);
        var e = Assert.Throws<CheckpointException>(() => BranchTrainMix.Assemble(new BtxOptions([a, b], _temp.File("btx"), 1, 1)));
        Assert.Contains(b, e.Message);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", e.Message);
        Assert.False(Directory.Exists(_temp.File("btx")));
    }

    [Fact]
    public void Assemble_DifferentAttentionShape_FailsNamingTheTensor()
    {
        var a = Dense(_temp.File("a"), seed: 1);
        var b = Dense(_temp.File("b"), seed: 2, c => c.NumKeyValueHeads = c.NumAttentionHeads);
        var e = Assert.Throws<CheckpointException>(() => BranchTrainMix.Assemble(new BtxOptions([a, b], _temp.File("btx"), 1, 1)));
        Assert.Contains(b, e.Message);
        Assert.Contains("k_proj", e.Message);
    }
}
