using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>transformers-v5 fused Mixtral tensors (mlp.gate, mlp.experts.gate_up_proj, mlp.experts.down_proj) load like the classic names.</summary>
public sealed class FusedMoeLayoutTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-fused");
    public void Dispose() => _temp.Dispose();

    /// <summary>Rewrites a classic-layout Mixtral directory's weights in the fused layout, as transformers v5 / mergekit HEAD save them.</summary>
    internal static void RewriteFused(string directory, int layers, int experts)
    {
        var all = StateDictIO.ReadAll(directory);
        try
        {
            var output = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, t) in all.Where(kv => !kv.Key.Contains(".block_sparse_moe.")))
                output[name] = t;
            for (int l = 0; l < layers; l++)
            {
                string p = $"model.layers.{l}.block_sparse_moe.";
                output[$"model.layers.{l}.mlp.gate.weight"] = all[p + "gate.weight"];
                // [E, 2I, h]: per expert w1 then w3 concatenated on dim 1.
                output[$"model.layers.{l}.mlp.experts.gate_up_proj"] = stack(Enumerable.Range(0, experts)
                    .Select(e => cat([all[$"{p}experts.{e}.w1.weight"], all[$"{p}experts.{e}.w3.weight"]], 0)).ToArray(), 0);
                output[$"model.layers.{l}.mlp.experts.down_proj"] = stack(Enumerable.Range(0, experts).Select(e => all[$"{p}experts.{e}.w2.weight"]).ToArray(), 0);
            }
            File.Delete(Path.Combine(directory, CheckpointDirectory.SingleFile));
            SafetensorsWriter.Write(Path.Combine(directory, CheckpointDirectory.SingleFile), output);
        }
        finally
        {
            foreach (var t in all.Values) t.Dispose();
        }
    }

    /// <summary>The tiny preset as a Mixtral (4 experts, top-2), saved in the classic layout.</summary>
    static string TinyMixtral(string directory, long seed)
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = 256;
        config.ModelType = "mixtral";
        config.Architectures = ["MixtralForCausalLM"];
        config.NumLocalExperts = 4;
        config.NumExpertsPerTok = 2;
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(seed);
        HfModelDirectory.Save(model, directory);
        return directory;
    }

    static float[] Logits(string directory, long[] ids)
    {
        using var model = HfModelDirectory.Load(directory);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.Forward(tensor(ids).unsqueeze(0)).Logits.contiguous().data<float>().ToArray();
    }

    [Fact]
    public void Load_FusedLayout_GivesIdenticalLogitsToClassic()
    {
        var classic = TinyMixtral(_temp.File("classic"), seed: 4);
        var fused = _temp.File("fused");
        Directory.CreateDirectory(fused);
        foreach (var f in Directory.GetFiles(classic)) File.Copy(f, Path.Combine(fused, Path.GetFileName(f)));
        RewriteFused(fused, layers: 2, experts: 4);

        using (var checkpoint = CheckpointDirectory.Open(fused))
        {
            Assert.Contains("model.layers.1.mlp.experts.gate_up_proj", checkpoint.Locations.Keys);
            Assert.DoesNotContain(checkpoint.Locations.Keys, k => k.Contains("block_sparse_moe"));
        }
        long[] ids = [1, 4, 9, 16, 25, 36, 2];
        Assert.Equal(Logits(classic, ids), Logits(fused, ids));
    }

    [Fact]
    public void Load_FusedLayoutWithWrongExpertCount_NamesTheTensor()
    {
        var dir = TinyMixtral(_temp.File("m"), seed: 4);
        RewriteFused(dir, layers: 2, experts: 4);
        var config = File.ReadAllText(Path.Combine(dir, "config.json")).Replace("\"num_local_experts\": 4", "\"num_local_experts\": 3");
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        var e = Assert.Throws<CheckpointException>(() => HfModelDirectory.Load(dir));
        Assert.Contains("block_sparse_moe", e.Message); // the 4th expert's tensors are unexpected, the router's shape differs
    }

    [Fact]
    public void Parts_SliceGateUpAsW1ThenW3PerExpert()
    {
        var parts = FusedMoeLayout.Parts("model.layers.7.mlp.experts.gate_up_proj", [3, 10, 4]);
        Assert.Equal(6, parts.Count);
        var w3 = parts.Single(p => p.ClassicName == "model.layers.7.block_sparse_moe.experts.2.w3.weight");
        Assert.Equal(2 * 10 * 4 + 5 * 4, w3.ElementOffset);
        Assert.Equal([5L, 4L], w3.Shape);
        var w2 = FusedMoeLayout.Parts("model.layers.7.mlp.experts.down_proj", [3, 4, 5]).Single(p => p.ClassicName.EndsWith("experts.1.w2.weight"));
        Assert.Equal(20, w2.ElementOffset);
        Assert.Empty(FusedMoeLayout.Parts("model.layers.7.mlp.gate_proj.weight", [5, 4])); // a dense Llama MLP is not fused
        Assert.Throws<CheckpointException>(() => FusedMoeLayout.Parts("model.layers.0.mlp.experts.gate_up_proj", [3, 9, 4]));
    }
}
