using Tsumugi.Composition.Moe;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Tokenization.HuggingFace;
using static Tsumugi.Composition.Tests.Moe.MoeTestModels;

namespace Tsumugi.Composition.Tests.Moe;

public sealed class MoeMergerTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-moe-merge");
    readonly string _a, _b, _c;

    public MoeMergerTests()
    {
        _a = Dense(_temp.File("a"), seed: 1);
        _b = Dense(_temp.File("b"), seed: 2);
        _c = Dense(_temp.File("c"), seed: 3);
    }

    public void Dispose() => _temp.Dispose();

    string Yaml(string gateMode, string extra = "") =>
        $"base_model: {_a}\ngate_mode: {gateMode}\nexperts_per_token: 1\nexperts:\n" +
        $"  - source_model: {_b}\n    positive_prompts: [\"ねこ\"]\n{extra}" +
        $"  - source_model: {_c}\n    positive_prompts: [\"いぬ\", \"とり いぬ\"]\n    negative_prompts: [\"さかな\"]\n";

    MoeResult Merge(string yaml, ulong seed = 0, string output = "moe")
    {
        var tokenizer = TokenizerDirectory.LoadForModel(_a);
        return MoeMerger.Run(MoeConfigReader.Parse(yaml, _temp.File("moe.yaml")), new MoeMergeOptions(_temp.File(output), seed, t => tokenizer.Encode(t)));
    }

    float[] Router(MoeResult r, int layer) => Read(r.Directory, $"model.layers.{layer}.block_sparse_moe.gate.weight");

    /// <summary>An independent reading of mergekit's get_cheap_embedding: Σ embedding rows of the BOS-prefixed prompts, normalised.</summary>
    double[] CheapEmbed(params string[] prompts)
    {
        var tokenizer = TokenizerDirectory.LoadForModel(_a);
        var embedding = Read(_a, "model.embed_tokens.weight");
        int hidden = (int)ConfigJson(_a)["hidden_size"]!;
        int bos = (int)ConfigJson(_a)["bos_token_id"]!;
        var sum = new double[hidden];
        foreach (var p in prompts)
            foreach (var id in tokenizer.Encode(p).Prepend(bos))
                for (int k = 0; k < hidden; k++) sum[k] += embedding[id * hidden + k];
        return Normalised(sum);
    }

    static double[] Normalised(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    static void AssertRow(double[] expected, float[] router, int expert)
    {
        for (int k = 0; k < expected.Length; k++)
            Assert.True(Math.Abs(expected[k] - router[expert * expected.Length + k]) < 1e-5, $"element {k}: {expected[k]} vs {router[expert * expected.Length + k]}");
    }

    [Fact]
    public void CheapEmbed_RowsAreNormalisedPromptEmbeddings_MinusNegatives_SameInEveryLayer()
    {
        var result = Merge(Yaml("cheap_embed"));
        AssertRow(CheapEmbed("ねこ"), Router(result, 0), 0);
        var positive = CheapEmbed("いぬ", "とり いぬ");
        var negative = CheapEmbed("さかな");
        AssertRow(Normalised(positive.Zip(negative, (p, n) => p - n).ToArray()), Router(result, 0), 1);
        Assert.Equal(Router(result, 0), Router(result, 1));
    }

    [Fact]
    public void Hidden_Layer0RowIsTheLastTokensEmbedding_HiddenAvgTheMeanEmbedding()
    {
        var tokenizer = TokenizerDirectory.LoadForModel(_a);
        var embedding = Read(_a, "model.embed_tokens.weight");
        int hidden = (int)ConfigJson(_a)["hidden_size"]!;
        int last = tokenizer.Encode("ねこ")[^1];
        var lastRow = Normalised(Enumerable.Range(0, hidden).Select(k => (double)embedding[last * hidden + k]).ToArray());

        var hiddenLast = Merge(Yaml("hidden"), output: "last");
        // HF hidden_states[l] (l < L) feeds layer l: for layer 0 that is the token embeddings, not layer 0's output.
        AssertRow(lastRow, Router(hiddenLast, 0), 0);
        var hiddenAvg = Merge(Yaml("hidden_avg"), output: "avg");
        AssertRow(CheapEmbed("ねこ"), Router(hiddenAvg, 0), 0); // mean and sum normalise to the same row
        foreach (var r in new[] { hiddenLast, hiddenAvg })
        {
            var layer1 = Router(r, 1);
            Assert.NotEqual(Router(r, 0), layer1); // layer 1 sees layer 0's output
            for (int e = 0; e < 2; e++)
                Assert.InRange(Math.Sqrt(layer1.Skip(e * hidden).Take(hidden).Sum(x => (double)x * x)), 0.9999, 1.0001);
        }
        using var model = HfModelDirectory.Load(hiddenLast.Directory); // a loadable Mixtral
        Assert.Equal(1, model.Config.NumExpertsPerTok);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("uniform_random")]
    public void RandomGates_HaveTheDocumentedDistribution_Seeded(string mode)
    {
        string yaml = $"base_model: {_a}\ngate_mode: {mode}\nexperts:\n" + string.Concat(Enumerable.Range(0, 16).Select(_ => $"  - source_model: {_b}\n"));
        var result = Merge(yaml, seed: 5);
        int hidden = (int)ConfigJson(_a)["hidden_size"]!;
        var values = Router(result, 0).Concat(Router(result, 1)).Select(v => (double)v).ToArray();
        Assert.Equal(2 * 16 * hidden, values.Length);
        double mean = values.Average(), std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        double bound = 1 / Math.Sqrt(hidden);
        if (mode == "random") { Assert.InRange(std, 0.95, 1.05); Assert.InRange(Math.Abs(mean), 0, 0.05); }
        else { Assert.InRange(std, bound / Math.Sqrt(3) * 0.95, bound / Math.Sqrt(3) * 1.05); Assert.All(values, v => Assert.InRange(v, -bound, bound)); }
        Assert.Equal(Router(result, 1), Router(Merge(yaml, seed: 5, output: "again"), 1));
        Assert.NotEqual(Router(result, 1), Router(Merge(yaml, seed: 6, output: "other"), 1));
    }

    [Fact]
    public void Experts_AreTheirSourcesMlps_WithResidualScaleAndNoise_BaseDonatesTheRest()
    {
        var result = Merge(Yaml("cheap_embed", "    residual_scale: 0.5\n    noise_scale: 0.01\n"));
        var a = ReadAll(_a); var b = ReadAll(_b); var c = ReadAll(_c); var moe = ReadAll(result.Directory);
        foreach (var (name, values) in a.Where(kv => !kv.Key.Contains(".mlp.")))
            Assert.Equal(values, moe[name]);
        for (int l = 0; l < 2; l++)
        {
            Assert.Equal(c[$"model.layers.{l}.mlp.gate_proj.weight"], moe[$"model.layers.{l}.block_sparse_moe.experts.1.w1.weight"]);
            Assert.Equal(c[$"model.layers.{l}.mlp.down_proj.weight"], moe[$"model.layers.{l}.block_sparse_moe.experts.1.w2.weight"]);
            var source = b[$"model.layers.{l}.mlp.gate_proj.weight"];
            var noisy = moe[$"model.layers.{l}.block_sparse_moe.experts.0.w1.weight"];
            var noise = noisy.Zip(source, (x, y) => (double)x - y).ToArray();
            double std = Math.Sqrt(noise.Sum(x => x * x) / noise.Length);
            Assert.InRange(std, 0.009, 0.011);
            // w2 = (down_proj + noise) · 0.5: noise is N(0, 0.01²), so w2 / 0.5 − down_proj has that std too
            var w2 = moe[$"model.layers.{l}.block_sparse_moe.experts.0.w2.weight"];
            var down = b[$"model.layers.{l}.mlp.down_proj.weight"];
            double std2 = Math.Sqrt(w2.Zip(down, (x, y) => ((double)x / 0.5 - y) * ((double)x / 0.5 - y)).Average());
            Assert.InRange(std2, 0.009, 0.011);
        }
        var config = ConfigJson(result.Directory);
        Assert.Equal("mixtral", (string)config["model_type"]!);
        Assert.Equal(2, (int)config["num_local_experts"]!);
        Assert.Equal(1, (int)config["num_experts_per_tok"]!);
        Assert.True(config.ContainsKey("sliding_window") && config["sliding_window"] is null);
        Assert.True(File.Exists(Path.Combine(result.Directory, "mergekit_moe_config.yml")));
    }

    [Fact]
    public void ResidualScale_AloneMultipliesDownProj()
    {
        var result = Merge(Yaml("cheap_embed", "    residual_scale: 0.25\n"));
        var down = Read(_b, "model.layers.1.mlp.down_proj.weight");
        Assert.Equal(down.Select(v => v * 0.25f), Read(result.Directory, "model.layers.1.block_sparse_moe.experts.0.w2.weight"));
        Assert.Equal(Read(_b, "model.layers.1.mlp.up_proj.weight"), Read(result.Directory, "model.layers.1.block_sparse_moe.experts.0.w3.weight"));
    }

    [Fact]
    public void Dtype_CastsEveryTensor()
    {
        var result = Merge(Yaml("cheap_embed").Replace("experts_per_token: 1\n", "experts_per_token: 1\ndtype: bfloat16\n"));
        using var source = Tensors.ModelSource.Open(result.Directory, result.Directory);
        Assert.All(source.TensorNames, n => Assert.Equal("BF16", source.Entry(n)!.DType));
        Assert.Equal("bfloat16", (string)ConfigJson(result.Directory)["torch_dtype"]!);
    }

    [Fact]
    public void NonLlamaExpert_FailsNamingTheModel()
    {
        var config = ConfigJson(_c);
        config["model_type"] = "gpt_neox";
        File.WriteAllText(Path.Combine(_c, "config.json"), config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Merge(Yaml("cheap_embed")));
        Assert.Contains(_c, e.Message);
        Assert.Contains("gpt_neox", e.Message);
        Assert.False(Directory.Exists(_temp.File("moe")));
    }

    [Fact]
    public void ExpertOfAnotherShape_FailsNamingModelAndTensor()
    {
        var wide = Dense(_temp.File("wide"), seed: 9, c => c.IntermediateSize = 96);
        var e = Assert.Throws<CheckpointException>(() => Merge(Yaml("cheap_embed").Replace($"source_model: {_c}", $"source_model: {wide}")));
        Assert.Contains(wide, e.Message);
        Assert.Contains("mlp.gate_proj.weight", e.Message);
    }
}
