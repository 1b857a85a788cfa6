using TorchSharp;
using System.Text.Json;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

[Collection(CheckpointTestCollection.Name)]
public class StateDictIOTests
{
    static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var e = expected.state_dict();
        var a = actual.state_dict();
        Assert.Equal(e.Keys.Order(), a.Keys.Order());
        foreach (var (name, t) in e) SafetensorsRoundTripTests.AssertBitEqual(t, a[name]);
    }

    [Fact]
    public void SaveThenLoadRestoresEveryParameterWithHfNames()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        using var target = TinyModel.Random(2);
        StateDictIO.Save(source, dir.Path);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        using (var file = SafetensorsFile.Open(dir.File("model.safetensors")))
        {
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Contains("layers.1.self_attn.q_proj.bias", file.Entries.Keys);
        }
        var result = StateDictIO.Load(target, dir.Path);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        AssertSameState(source, target);
    }

    [Fact]
    public void ShardedSaveWritesIndexAndLoadsBackAndResavingRemovesStaleFiles()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        StateDictIO.Save(source, dir.Path, maxShardBytes: 600);
        var shards = Directory.GetFiles(dir.Path, "model-*.safetensors").Select(Path.GetFileName).Order().ToList();
        Assert.True(shards.Count >= 3, $"expected several shards, got {shards.Count}");
        Assert.Equal($"model-00001-of-{shards.Count:D5}.safetensors", shards[0]);
        Assert.False(File.Exists(dir.File("model.safetensors")));

        using var index = JsonDocument.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")));
        long expectedTotal = source.state_dict().Values.Sum(t => t.numel() * 4);
        Assert.Equal(expectedTotal, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(source.state_dict().Keys.Order(), weightMap.Keys.Order());
        Assert.Equal(shards, weightMap.Values.Distinct().Order());

        using var target = TinyModel.Random(2);
        StateDictIO.Load(target, dir.Path);
        AssertSameState(source, target);

        // fewer shards, then a single file: nothing of the earlier saves may remain
        StateDictIO.Save(source, dir.Path, maxShardBytes: 2000);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path).Select(Path.GetFileName), f => f!.Contains($"-of-{shards.Count:D5}"));
        StateDictIO.Save(source, dir.Path);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        using var again = TinyModel.Random(3);
        StateDictIO.Load(again, dir.Path);
        AssertSameState(source, again);
    }

    [Fact]
    public void SwitchingFromSingleFileToShardsRemovesTheSingleFile()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        File.WriteAllText(dir.File("config.json"), "{}");
        StateDictIO.Save(source, dir.Path);
        StateDictIO.Save(source, dir.Path, maxShardBytes: 1000);
        Assert.False(File.Exists(dir.File("model.safetensors")));
        Assert.True(File.Exists(dir.File("model.safetensors.index.json")));
        Assert.True(File.Exists(dir.File("config.json")), "unrelated files are kept");
    }

    [Fact]
    public void StrictLoadListsEveryMissingAndUnexpectedKey()
    {
        using var dir = new TempDirectory();
        using var twoLayers = TinyModel.Random(1, layerCount: 2);
        StateDictIO.Save(twoLayers, dir.Path);

        using var threeLayers = TinyModel.Random(2, layerCount: 3);
        var missing = Assert.Throws<CheckpointException>(() => StateDictIO.Load(threeLayers, dir.Path)).Message;
        Assert.Contains("missing 4 key(s)", missing);
        foreach (var key in new[] { "layers.2.self_attn.q_proj.weight", "layers.2.self_attn.q_proj.bias", "layers.2.self_attn.o_proj.weight", "layers.2.down_proj.weight" })
            Assert.Contains(key, missing);
        Assert.Contains("unexpected 0 key(s)", missing);

        using var oneLayer = TinyModel.Random(3, layerCount: 1);
        using var before = oneLayer.layers[0].down_proj.weight!.clone();
        var unexpected = Assert.Throws<CheckpointException>(() => StateDictIO.Load(oneLayer, dir.Path)).Message;
        Assert.Contains("unexpected 4 key(s)", unexpected);
        Assert.Contains("layers.1.down_proj.weight", unexpected);
        Assert.Contains("strict=false", unexpected);
        SafetensorsRoundTripTests.AssertBitEqual(before, oneLayer.layers[0].down_proj.weight!); // nothing loaded on failure

        var result = StateDictIO.Load(oneLayer, dir.Path, strict: false);
        Assert.Equal(4, result.UnexpectedKeys.Count);
        Assert.Empty(result.MissingKeys);
        SafetensorsRoundTripTests.AssertBitEqual(twoLayers.layers[0].down_proj.weight!, oneLayer.layers[0].down_proj.weight!);
    }

    [Fact]
    public void ShapeMismatchNamesTensorAndBothShapes()
    {
        using var dir = new TempDirectory();
        using var small = TinyModel.Random(1, hidden: 8);
        StateDictIO.Save(small, dir.Path);
        using var wide = TinyModel.Random(2, hidden: 16);
        var m = Assert.Throws<CheckpointException>(() => StateDictIO.Load(wide, dir.Path)).Message;
        Assert.Contains("'embed_tokens.weight'", m);
        Assert.Contains("[11, 8] in the file", m);
        Assert.Contains("[11, 16] in the model", m);
        Assert.Contains("config.json", m);
    }

    [Fact]
    public void BFloat16CheckpointLoadsIntoFloat32ModuleAndBack()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        StateDictIO.Save(source, dir.Path, dtype: bfloat16);
        using (var file = SafetensorsFile.Open(dir.File("model.safetensors")))
            Assert.All(file.Entries.Values, e => Assert.Equal("BF16", e.DType));

        using var target = TinyModel.Random(2);
        StateDictIO.Load(target, dir.Path);
        foreach (var (name, p) in target.state_dict())
        {
            Assert.Equal(float32, p.dtype);
            using var rounded = source.state_dict()[name].to(bfloat16).to(float32);
            SafetensorsRoundTripTests.AssertBitEqual(rounded, p);
        }

        // and an F32 file into a BF16 module
        using var dir32 = new TempDirectory();
        StateDictIO.Save(source, dir32.Path);
        using var bf16 = TinyModel.Random(3);
        bf16.to(bfloat16);
        StateDictIO.Load(bf16, dir32.Path);
        using var expected = source.lm_head.weight!.to(bfloat16);
        SafetensorsRoundTripTests.AssertBitEqual(expected, bf16.lm_head.weight!);
    }

    [Fact]
    public void RotaryInvFreqIsIgnoredBothWays()
    {
        using var withBuffer = TinyModel.Random(1, withRotary: true);
        using var plain = TinyModel.Random(2);
        using var dir = new TempDirectory();
        StateDictIO.Save(withBuffer, dir.Path);
        Assert.Empty(StateDictIO.Load(plain, dir.Path).UnexpectedKeys); // old HF checkpoint carrying inv_freq

        using var dir2 = new TempDirectory();
        StateDictIO.Save(plain, dir2.Path);
        using var withBuffer2 = TinyModel.Random(3, withRotary: true);
        Assert.Empty(StateDictIO.Load(withBuffer2, dir2.Path).MissingKeys);
    }

    [Fact]
    public void ReadAllReturnsEveryTensorConverted()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        StateDictIO.Save(source, dir.Path, maxShardBytes: 700);
        var all = StateDictIO.ReadAll(dir.Path, bfloat16);
        try
        {
            Assert.Equal(source.state_dict().Keys.Order(), all.Keys.Order());
            using var expected = source.embed_tokens.weight!.to(bfloat16);
            SafetensorsRoundTripTests.AssertBitEqual(expected, all["embed_tokens.weight"]);
        }
        finally { foreach (var t in all.Values) t.Dispose(); }
    }

    [Fact]
    public void IndexReferencingMissingShardOrTensorFailsClearly()
    {
        using var dir = new TempDirectory();
        using var source = TinyModel.Random(1);
        StateDictIO.Save(source, dir.Path, maxShardBytes: 600);
        string indexPath = dir.File("model.safetensors.index.json");
        string original = File.ReadAllText(indexPath);

        File.WriteAllText(indexPath, original.Replace("\"lm_head.weight\"", "\"lm_head.bogus\""));
        var m = Assert.Throws<CheckpointException>(() => StateDictIO.ReadAll(dir.Path)).Message;
        Assert.Contains("'lm_head.bogus'", m);
        Assert.Contains(indexPath, m);

        File.WriteAllText(indexPath, original);
        string lastShard = Directory.GetFiles(dir.Path, "model-*.safetensors").Order().Last();
        File.Delete(lastShard);
        m = Assert.Throws<CheckpointException>(() => StateDictIO.Load(source, dir.Path)).Message;
        Assert.Contains(Path.GetFileName(lastShard), m);
        Assert.Contains("does not exist", m);
    }

    [Fact]
    public void DirectoryWithoutWeightsFailsClearly()
    {
        using var dir = new TempDirectory();
        using var model = TinyModel.Random(1);
        Assert.Contains("neither model.safetensors nor", Assert.Throws<CheckpointException>(() => StateDictIO.Load(model, dir.Path)).Message);
        Assert.Contains("not found", Assert.Throws<CheckpointException>(() => StateDictIO.Load(model, dir.File("nope"))).Message);
    }
}
