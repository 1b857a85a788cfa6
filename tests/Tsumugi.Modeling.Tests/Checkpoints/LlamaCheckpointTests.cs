using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>The real model's state_dict keys are HF names and survive a sharded save/load unchanged.</summary>
[Collection(CheckpointTestCollection.Name)]
public class LlamaCheckpointTests
{
    [Fact]
    public void MixtralSavesHfNamesAndLoadsBackExactly()
    {
        using var dir = new TempDirectory();
        using var source = TestModels.Build(TestModels.Mixtral(), seed: 1);
        StateDictIO.Save(source, dir.Path, maxShardBytes: 64 << 10);
        Assert.True(File.Exists(dir.File("model.safetensors.index.json")));

        var names = StateDictIO.ReadAll(dir.Path);
        try
        {
            Assert.Contains("model.embed_tokens.weight", names.Keys);
            Assert.Contains("model.layers.1.block_sparse_moe.experts.3.w1.weight", names.Keys);
            Assert.Contains("model.layers.0.block_sparse_moe.gate.weight", names.Keys);
            Assert.Contains("model.layers.0.self_attn.q_proj.weight", names.Keys);
            Assert.Contains("model.norm.weight", names.Keys);
            Assert.Contains("lm_head.weight", names.Keys);
        }
        finally { foreach (var t in names.Values) t.Dispose(); }

        using var target = TestModels.Build(TestModels.Mixtral(), seed: 2);
        StateDictIO.Load(target, dir.Path);
        var expected = source.state_dict();
        foreach (var (name, p) in target.state_dict()) SafetensorsRoundTripTests.AssertBitEqual(expected[name], p);
    }

    [Fact]
    public void TiedModelHasNoLmHeadAndRejectsAnUntiedCheckpointStrictly()
    {
        using var dir = new TempDirectory();
        using var untied = TestModels.Build(TestModels.Dense(tie: false));
        StateDictIO.Save(untied, dir.Path);
        using var tied = TestModels.Build(TestModels.Dense(tie: true));
        var m = Assert.Throws<CheckpointException>(() => StateDictIO.Load(tied, dir.Path)).Message;
        Assert.Contains("unexpected 1 key(s): [lm_head.weight]", m);
    }
}
