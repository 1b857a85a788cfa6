using Tsumugi.Composition.Moe;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Checkpoints;
using static Tsumugi.Composition.Tests.Moe.MoeTestModels;

namespace Tsumugi.Composition.Tests.Moe;

public sealed class UpcyclerTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-upcycle");
    readonly string _dense;

    public UpcyclerTests() => _dense = Dense(_temp.File("dense"), seed: 3);

    public void Dispose() => _temp.Dispose();

    MoeResult Upcycle(string output, int experts = 4, int topK = 2, double drop = 0, ulong seed = 42) =>
        Upcycler.Run(new UpcycleOptions(_dense, _temp.File(output), experts, topK, drop, seed));

    [Fact]
    public void Run_IdenticalExperts_GivesTheDenseModelsLogits()
    {
        var result = Upcycle("moe");
        Assert.Equal(2, result.Layers);
        Assert.Equal(4, result.Experts);
        var dense = Logits(_dense, Tokens);
        var moe = Logits(result.Directory, Tokens);
        Assert.Equal(dense.Length, moe.Length);
        Assert.True(MaxAbsDifference(dense, moe) < 1e-4, $"max |Δlogit| = {MaxAbsDifference(dense, moe)}");
        Assert.False(Directory.Exists(result.Directory + ".partial"));
    }

    [Fact]
    public void Run_WritesMixtralConfigKeepingTheRestAndCopiesTokenizer()
    {
        var result = Upcycler.Run(new UpcycleOptions(_dense, _temp.File("moe"), 8, 2, AuxLossCoef: 0.02));
        var config = ConfigJson(result.Directory);
        var before = ConfigJson(_dense);
        Assert.Equal("mixtral", (string)config["model_type"]!);
        Assert.Equal("MixtralForCausalLM", (string)config["architectures"]![0]!);
        Assert.Equal(8, (int)config["num_local_experts"]!);
        Assert.Equal(2, (int)config["num_experts_per_tok"]!);
        Assert.Equal(0.02, (double)config["router_aux_loss_coef"]!);
        Assert.True((bool)config["output_router_logits"]!);
        foreach (var key in new[] { "hidden_size", "intermediate_size", "num_hidden_layers", "vocab_size", "rope_theta", "tie_word_embeddings" })
            Assert.Equal(before[key]?.ToJsonString(), config[key]?.ToJsonString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dense, "tokenizer.model")), File.ReadAllBytes(Path.Combine(result.Directory, "tokenizer.model")));
        Assert.True(File.Exists(Path.Combine(result.Directory, "generation_config.json")));
        Assert.Equal(8, LlamaConfig.Load(result.Directory).NumLocalExperts);
    }

    [Fact]
    public void Run_RouterIsZeroMeanUniformWithStd002_SeededPerLayer()
    {
        var a = Upcycle("a", experts: 64);
        var values = Enumerable.Range(0, 2).SelectMany(l => Read(a.Directory, $"model.layers.{l}.block_sparse_moe.gate.weight")).Select(v => (double)v).ToArray();
        double mean = values.Average(), std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.InRange(Math.Abs(mean), 0, 1e-6);
        Assert.InRange(std, 0.019, 0.021);
        Assert.InRange(values.Max(), 0.02 * Math.Sqrt(3) * 0.95, 0.02 * Math.Sqrt(3) * 1.05); // uniform: ±std·√3
        Assert.NotEqual(Read(a.Directory, "model.layers.0.block_sparse_moe.gate.weight"), Read(a.Directory, "model.layers.1.block_sparse_moe.gate.weight"));

        var same = Upcycle("same", experts: 64);
        var other = Upcycle("other", experts: 64, seed: 7);
        Assert.Equal(Read(a.Directory, "model.layers.1.block_sparse_moe.gate.weight"), Read(same.Directory, "model.layers.1.block_sparse_moe.gate.weight"));
        Assert.NotEqual(Read(a.Directory, "model.layers.1.block_sparse_moe.gate.weight"), Read(other.Directory, "model.layers.1.block_sparse_moe.gate.weight"));
    }

    [Fact]
    public void Run_NonFfnTensorsAreBitEqualAndDenseMlpIsGone()
    {
        var result = Upcycle("moe");
        var dense = ReadAll(_dense);
        var moe = ReadAll(result.Directory);
        foreach (var (name, values) in dense.Where(kv => !kv.Key.Contains(".mlp.")))
            Assert.Equal(values, moe[name]);
        Assert.DoesNotContain(moe.Keys, k => k.Contains(".mlp."));
        for (int e = 0; e < 4; e++)
        {
            Assert.Equal(dense["model.layers.1.mlp.gate_proj.weight"], moe[$"model.layers.1.block_sparse_moe.experts.{e}.w1.weight"]);
            Assert.Equal(dense["model.layers.1.mlp.up_proj.weight"], moe[$"model.layers.1.block_sparse_moe.experts.{e}.w3.weight"]);
            Assert.Equal(dense["model.layers.1.mlp.down_proj.weight"], moe[$"model.layers.1.block_sparse_moe.experts.{e}.w2.weight"]);
        }
    }

    [Fact]
    public void Run_NonLlamaSource_FailsNamingTheModel()
    {
        var config = ConfigJson(_dense);
        config["model_type"] = "gpt2";
        File.WriteAllText(Path.Combine(_dense, "config.json"), config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Upcycle("moe"));
        Assert.Contains(_dense, e.Message);
        Assert.Contains("gpt2", e.Message);
        Assert.False(Directory.Exists(_temp.File("moe")));
    }

    [Fact]
    public void Run_MissingFfnTensor_FailsNamingModelAndTensor()
    {
        // A Mixtral is not a dense source: it has no mlp.gate_proj (and model_type mixtral is refused first).
        var mixtral = TinyModelDirectory.Write(_temp.File("mixtral"), Words, seed: 1, configure: TinyModelDirectory.Mixtral);
        var config = ConfigJson(mixtral);
        config["model_type"] = "llama";
        File.WriteAllText(Path.Combine(mixtral, "config.json"), config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Upcycler.Run(new UpcycleOptions(mixtral, _temp.File("moe"), 4, 2)));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", e.Message);
        Assert.Contains(mixtral, e.Message);
    }

    [Theory]
    [InlineData(4, 5, 0.0, "top-k")]
    [InlineData(4, 2, 1.5, "drop ratio")]
    [InlineData(0, 1, 0.0, "experts per source")]
    public void Run_BadOptions_FailBeforeWriting(int experts, int topK, double drop, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => Upcycle("moe", experts, topK, drop));
        Assert.Contains(named, e.Message);
        Assert.False(Directory.Exists(_temp.File("moe")));
    }

    [Fact]
    public void Run_NonEmptyOutput_IsRefused()
    {
        Directory.CreateDirectory(_temp.File("moe"));
        File.WriteAllText(_temp.File("moe/keep.txt"), "x");
        Assert.Throws<IOException>(() => Upcycle("moe"));
        Assert.True(File.Exists(_temp.File("moe/keep.txt")));
    }
}
