using Tsumugi.Export.Gguf;
using Tsumugi.Modeling;

namespace Tsumugi.Export.Tests;

/// <summary>llama.cpp's per-tensor type choice (llama_tensor_get_type) and its fallbacks for rows not a multiple of 256.</summary>
public sealed class GgufTensorTypeRulesTests
{
    static readonly GgufModelShape Dense8 = new(8, 0, TiedEmbeddings: false);

    [Fact]
    public void UseMoreBitsPicksTheFirstAndLastEighthAndEveryThirdLayerBetween()
    {
        Assert.Equal([0, 3, 6, 7], Enumerable.Range(0, 8).Where(i => GgufTensorTypeRules.UseMoreBits(i, 8)));
        Assert.Equal([0, 1, 4, 7, 10, 13, 14, 15], Enumerable.Range(0, 16).Where(i => GgufTensorTypeRules.UseMoreBits(i, 16)));
    }

    [Theory]
    [InlineData(GgufFileType.MostlyQ4_K_M, GgufTensorType.Q4_K)]
    [InlineData(GgufFileType.MostlyQ5_K_M, GgufTensorType.Q5_K)]
    public void KMixturesGiveAttnVAndFfnDownOfUseMoreBitsLayersAndTheOutputQ6_K(GgufFileType file, GgufTensorType baseType)
    {
        for (int layer = 0; layer < 8; layer++)
        {
            var more = GgufTensorTypeRules.UseMoreBits(layer, 8) ? GgufTensorType.Q6_K : baseType;
            Assert.Equal(more, GgufTensorTypeRules.Choose($"blk.{layer}.attn_v.weight", [256, 512], file, Dense8));
            Assert.Equal(more, GgufTensorTypeRules.Choose($"blk.{layer}.ffn_down.weight", [512, 1024], file, Dense8));
            Assert.Equal(baseType, GgufTensorTypeRules.Choose($"blk.{layer}.attn_q.weight", [512, 512], file, Dense8));
            Assert.Equal(baseType, GgufTensorTypeRules.Choose($"blk.{layer}.ffn_up.weight", [1024, 512], file, Dense8));
            Assert.Equal(GgufTensorType.F32, GgufTensorTypeRules.Choose($"blk.{layer}.attn_norm.weight", [512], file, Dense8));
        }
        Assert.Equal(GgufTensorType.Q6_K, GgufTensorTypeRules.Choose("output.weight", [1000, 512], file, Dense8));
        Assert.Equal(baseType, GgufTensorTypeRules.Choose("token_embd.weight", [1000, 512], file, Dense8));
        // Tied: token_embd is the output projection and gets its type.
        Assert.Equal(GgufTensorType.Q6_K, GgufTensorTypeRules.Choose("token_embd.weight", [1000, 512], file, Dense8 with { TiedEmbeddings = true }));
    }

    [Fact]
    public void PlainFileTypesUseOneTypeExceptTheOutputWhichLlamaCppGivesQ6_K()
    {
        Assert.Equal(GgufTensorType.Q6_K, GgufTensorTypeRules.Choose("blk.0.attn_v.weight", [256, 512], GgufFileType.MostlyQ6_K, Dense8));
        Assert.Equal(GgufTensorType.Q4_0, GgufTensorTypeRules.Choose("blk.0.ffn_down.weight", [512, 1024], GgufFileType.MostlyQ4_0, Dense8));
        Assert.Equal(GgufTensorType.Q6_K, GgufTensorTypeRules.Choose("output.weight", [1000, 512], GgufFileType.MostlyQ4_0, Dense8));
        Assert.Equal(GgufTensorType.Q8_0, GgufTensorTypeRules.Choose("output.weight", [1000, 512], GgufFileType.MostlyQ8_0, Dense8));
        Assert.Equal(GgufTensorType.F16, GgufTensorTypeRules.Choose("output.weight", [1000, 512], GgufFileType.MostlyF16, Dense8));
        Assert.Equal(GgufTensorType.F32, GgufTensorTypeRules.Choose("output.weight", [1000, 512], GgufFileType.AllF32, Dense8));
    }

    [Fact]
    public void RowsNotAMultipleOf256FallBackLikeLlamaCpp()
    {
        Assert.Equal(GgufTensorType.Q5_0, GgufTensorTypeRules.Fallback(GgufTensorType.Q4_K, 192));
        Assert.Equal(GgufTensorType.Q5_1, GgufTensorTypeRules.Fallback(GgufTensorType.Q5_K, 192));
        Assert.Equal(GgufTensorType.Q8_0, GgufTensorTypeRules.Fallback(GgufTensorType.Q6_K, 192));
        Assert.Equal(GgufTensorType.F16, GgufTensorTypeRules.Fallback(GgufTensorType.Q4_K, 48));
        Assert.Equal(GgufTensorType.F16, GgufTensorTypeRules.Fallback(GgufTensorType.Q4_0, 48));
        Assert.Equal(GgufTensorType.Q4_K, GgufTensorTypeRules.Fallback(GgufTensorType.Q4_K, 768));
        // In the mixture: a Q6_K attn_v with 64-wide rows becomes Q8_0, a Q4_K ffn_up Q5_0.
        Assert.Equal(GgufTensorType.Q8_0, GgufTensorTypeRules.Choose("blk.0.attn_v.weight", [32, 64], GgufFileType.MostlyQ4_K_M, Dense8));
        Assert.Equal(GgufTensorType.Q5_0, GgufTensorTypeRules.Choose("blk.1.ffn_up.weight", [192, 64], GgufFileType.MostlyQ4_K_M, Dense8));
        // The output: not even Q4_K-aligned → Q8_0 directly.
        Assert.Equal(GgufTensorType.Q8_0, GgufTensorTypeRules.Choose("output.weight", [1000, 64], GgufFileType.MostlyQ4_K_M, Dense8));
    }

    [Fact]
    public void EightExpertModelsGetQ8_0AttnVAndAttnKAndTheRouterStaysF32()
    {
        var mixtral = new GgufModelShape(32, 8, TiedEmbeddings: false);
        Assert.Equal(GgufTensorType.Q8_0, GgufTensorTypeRules.Choose("blk.5.attn_v.weight", [1024, 4096], GgufFileType.MostlyQ4_K_M, mixtral));
        Assert.Equal(GgufTensorType.Q8_0, GgufTensorTypeRules.Choose("blk.5.attn_k.weight", [1024, 4096], GgufFileType.MostlyQ4_K_M, mixtral));
        Assert.Equal(GgufTensorType.Q5_K, GgufTensorTypeRules.Choose("blk.5.attn_output.weight", [4096, 4096], GgufFileType.MostlyQ4_K_M, mixtral));
        Assert.Equal(GgufTensorType.F32, GgufTensorTypeRules.Choose("blk.5.ffn_gate_inp.weight", [8, 4096], GgufFileType.MostlyQ4_K_M, mixtral));
        // Stacked experts: one ffn_down_exps per layer, so use_more_bits counts layers (14336 = 56·256, no fallback).
        Assert.Equal(GgufTensorType.Q6_K, GgufTensorTypeRules.Choose("blk.0.ffn_down_exps.weight", [8, 4096, 14336], GgufFileType.MostlyQ4_K_M, mixtral));
        Assert.Equal(GgufTensorType.Q4_K, GgufTensorTypeRules.Choose("blk.5.ffn_down_exps.weight", [8, 4096, 14336], GgufFileType.MostlyQ4_K_M, mixtral));
        Assert.Equal(GgufTensorType.Q4_K, GgufTensorTypeRules.Choose("blk.1.ffn_gate_exps.weight", [8, 14336, 4096], GgufFileType.MostlyQ4_K_M, mixtral));
        Assert.Equal(GgufTensorType.Q6_K, GgufTensorTypeRules.Choose("blk.31.ffn_up_exps.weight", [8, 14336, 4096], GgufFileType.MostlyQ6_K, mixtral));
    }

    [Fact]
    public void MixtralPlanStacksTheExpertsIntoThreeDimensionalTensors()
    {
        var c = ModelPresets.Get("tiny");
        c.ModelType = "mixtral";
        c.NumLocalExperts = 4;
        c.NumExpertsPerTok = 2;
        var plan = LlamaGgufExporter.Plan(c, GgufFileType.MostlyF16).ToDictionary(t => t.Name);
        Assert.DoesNotContain("blk.0.ffn_gate.weight", plan.Keys);
        Assert.Equal(new long[] { 4, c.HiddenSize }, plan["blk.0.ffn_gate_inp.weight"].Shape);
        Assert.Equal(GgufTensorType.F32, plan["blk.0.ffn_gate_inp.weight"].Type);
        Assert.Equal(new long[] { 4, c.IntermediateSize, c.HiddenSize }, plan["blk.1.ffn_gate_exps.weight"].Shape);
        Assert.Equal(new long[] { 4, c.IntermediateSize, c.HiddenSize }, plan["blk.1.ffn_up_exps.weight"].Shape);
        Assert.Equal(new long[] { 4, c.HiddenSize, c.IntermediateSize }, plan["blk.1.ffn_down_exps.weight"].Shape);
        Assert.Equal(GgufTensorType.F16, plan["blk.1.ffn_down_exps.weight"].Type);
        Assert.Equal(Enumerable.Range(0, 4).Select(e => $"model.layers.1.block_sparse_moe.experts.{e}.w2.weight"), plan["blk.1.ffn_down_exps.weight"].Sources);
        Assert.Equal("model.layers.0.block_sparse_moe.gate.weight", Assert.Single(plan["blk.0.ffn_gate_inp.weight"].Sources));
    }

    [Fact]
    public void FileTypesParseLlamaQuantizeNamesAndCarryLlamaCppsFtypeValues()
    {
        Assert.Equal(15u, (uint)GgufFileTypes.Parse("q4_k_m"));
        Assert.Equal(17u, (uint)GgufFileTypes.Parse("Q5_K_M"));
        Assert.Equal(18u, (uint)GgufFileTypes.Parse("q6_k"));
        Assert.Equal(2u, (uint)GgufFileTypes.Parse("q4_0"));
        Assert.Equal(7u, (uint)GgufFileTypes.Parse("q8_0"));
        var e = Assert.Throws<ArgumentException>(() => GgufFileTypes.Parse("q3_k_s"));
        Assert.Contains("q4_k_m", e.Message);
        Assert.Equal("q4_k: 2, f32: 1", LlamaGgufExporter.TypeCounts([
            new("a", [256, 256], GgufTensorType.Q4_K, ["x"]), new("b", [256], GgufTensorType.F32, ["y"]), new("c", [256, 256], GgufTensorType.Q4_K, ["z"])]));
    }
}
