using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Tests;

public sealed class MergerTests : IDisposable
{
    static readonly string[] Words = ["ねこ", "いぬ", "とり"];
    readonly TempDirectory _temp = new("tsumugi-merge");
    readonly string _a, _b, _c;

    public MergerTests()
    {
        _a = TinyModelDirectory.Write(_temp.File("a"), Words, seed: 1);
        _b = _temp.File("b");
        _c = _temp.File("c");
        Copy(_a, _b);
        Copy(_a, _c);
    }

    public void Dispose() => _temp.Dispose();

    static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    MergeResult Merge(string yaml, string output = "out", ulong seed = 0) =>
        Merger.Run(MergeConfigReader.Parse(yaml, _temp.File("merge.yaml")), new Merger.Options(_temp.File(output), seed));

    static Dictionary<string, float[]> ReadAll(string directory)
    {
        using var model = ModelSource.Open(directory, directory);
        return model.TensorNames.ToDictionary(n => n, n =>
        {
            var values = new float[model.Entry(n)!.Shape.Aggregate(1L, (x, y) => x * y)];
            model.ReadFloats(n, values);
            return values;
        });
    }

    public static TheoryData<string, string> Methods => new()
    {
        { "linear", "models:\n  - model: {A}\n    parameters: {weight: 0.3}\n  - model: {B}\n    parameters: {weight: 0.7}\n" },
        { "slerp", "base_model: {A}\nmodels:\n  - model: {A}\n  - model: {B}\nparameters:\n  t: [0, 0.3, 1]\n" },
        { "task_arithmetic", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 0.8}\n" },
        { "ties", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1, density: 0.5}\n  - model: {C}\n    parameters: {weight: 0.5, density: 0.5}\n" },
        { "dare_ties", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1, density: 0.5}\n" },
        { "dare_linear", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1, density: 0.5}\n" },
        { "breadcrumbs", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1, density: 0.8}\n" },
        { "breadcrumbs_ties", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1, density: 0.8, gamma: 0.1}\n" },
        { "model_stock", "base_model: {A}\nmodels:\n  - model: {B}\n  - model: {C}\n" },
        { "passthrough", "slices:\n  - sources:\n      - model: {B}\n        layer_range: [0, 2]\n" },
    };

    string Yaml(string method, string body) =>
        $"merge_method: {method}\n" + body.Replace("{A}", _a).Replace("{B}", _b).Replace("{C}", _c);

    [Theory]
    [MemberData(nameof(Methods))]
    public void Run_TwoCopiesOfOneModel_ReturnsThatModel(string method, string body)
    {
        var result = Merge(Yaml(method, body));
        var expected = ReadAll(_a);
        var actual = ReadAll(result.Directory);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        // Equal up to float rounding of the weights (0.3·θ + 0.7·θ need not be θ to the last bit).
        foreach (var (name, values) in expected)
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(values[i] - actual[name][i]) <= 1e-6f * (1 + Math.Abs(values[i])), $"{method}: {name}[{i}] is {actual[name][i]}, expected {values[i]}");
    }

    [Fact]
    public void Run_Output_IsALoadableHfDirectoryWithTokenizerAndConfigCopy()
    {
        string yaml = Yaml("linear", "models:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {B}\n    parameters: {weight: 1}\nout_dtype: bfloat16\n");
        var result = Merge(yaml);
        Assert.Equal(yaml, File.ReadAllText(Path.Combine(result.Directory, "merge_config.yaml")));
        Assert.True(File.ReadAllBytes(Path.Combine(_a, "tokenizer.model")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(result.Directory, "tokenizer.model"))));
        Assert.Equal("bfloat16", JsonNode.Parse(File.ReadAllText(Path.Combine(result.Directory, "config.json")))!["torch_dtype"]!.GetValue<string>());
        using (var file = SafetensorsFile.Open(Path.Combine(result.Directory, "model.safetensors")))
            Assert.All(file.Entries.Values, e => Assert.Equal("BF16", e.DType));
        using var model = HfModelDirectory.Load(result.Directory);
        Assert.Equal(2, model.Config.NumHiddenLayers);
        Assert.False(Directory.Exists(result.Directory + ".partial"));
    }

    [Fact]
    public void Run_SlerpGradient_TakesBaseAtFirstLayerAndOtherAtLast()
    {
        string other = TinyModelDirectory.Write(_temp.File("other"), Words, seed: 2);
        var result = Merge($"merge_method: slerp\nbase_model: {_a}\nmodels:\n  - model: {_a}\n  - model: {other}\nparameters:\n  t: [0, 1]\n");
        var (a, b, merged) = (ReadAll(_a), ReadAll(other), ReadAll(result.Directory));
        const string q = "self_attn.q_proj.weight";
        Assert.Equal(a[$"model.layers.0.{q}"], merged[$"model.layers.0.{q}"]);
        Assert.Equal(b[$"model.layers.1.{q}"], merged[$"model.layers.1.{q}"]);
        Assert.Equal(a["model.embed_tokens.weight"], merged["model.embed_tokens.weight"]); // outside the layers t = 0
    }

    [Fact]
    public void Run_PassthroughSlices_StacksLayers()
    {
        string other = TinyModelDirectory.Write(_temp.File("other"), Words, seed: 2);
        var result = Merge($"merge_method: passthrough\nslices:\n  - sources:\n      - model: {_a}\n        layer_range: [0, 2]\n  - sources:\n      - model: {other}\n        layer_range: [1, 2]\n");
        Assert.Equal(3, result.Layers);
        var (a, b, merged) = (ReadAll(_a), ReadAll(other), ReadAll(result.Directory));
        Assert.Equal(b["model.layers.1.mlp.down_proj.weight"], merged["model.layers.2.mlp.down_proj.weight"]);
        Assert.Equal(a["model.layers.1.mlp.down_proj.weight"], merged["model.layers.1.mlp.down_proj.weight"]);
        Assert.Equal(b["model.norm.weight"], merged["model.norm.weight"]); // after the layers: the last slice's model
        using var model = HfModelDirectory.Load(result.Directory);
        Assert.Equal(3, model.Config.NumHiddenLayers);
    }

    [Fact]
    public void Run_DifferentShapes_NamesModelAndTensor()
    {
        string bigger = TinyModelDirectory.Write(_temp.File("bigger"), [.. Words, "うま", "しか"], seed: 1);
        var e = Assert.Throws<CheckpointException>(() => Merge(Yaml("linear", $"models:\n  - model: {{A}}\n    parameters: {{weight: 1}}\n  - model: {bigger}\n    parameters: {{weight: 1}}\n")));
        Assert.Contains("'model.embed_tokens.weight'", e.Message);
        Assert.Contains($"model '{bigger}'", e.Message);
    }

    [Fact]
    public void Run_TensorMissingInOneModel_NamesModelAndTensor()
    {
        const string dropped = "model.layers.1.mlp.up_proj.weight";
        string path = Path.Combine(_b, "model.safetensors");
        using (var source = ModelSource.Open("b", _b))
        {
            var keep = source.TensorNames.Where(n => n != dropped).Select(n => new SafetensorsTensorInfo(n, source.Entry(n)!.DType, source.Entry(n)!.Shape)).ToList();
            string rewritten = path + ".new";
            using (var file = SafetensorsFile.Open(path))
                SafetensorsStreamWriter.Write(rewritten, keep, (t, s) =>
                {
                    var bytes = new byte[t.ByteLength];
                    file.ReadBytes(t.Name, bytes);
                    s.Write(bytes);
                });
            File.Move(rewritten, path, overwrite: true);
        }
        var e = Assert.Throws<CheckpointException>(() => Merge(Yaml("task_arithmetic", "base_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1}\n")));
        Assert.Contains($"model '{_b}' has no tensor '{dropped}'", e.Message);
    }

    [Fact]
    public void Run_DifferentArchitectures_NamesBothModels()
    {
        string configPath = Path.Combine(_b, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["model_type"] = "mistral";
        File.WriteAllText(configPath, config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Merge(Yaml("linear", "models:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {B}\n    parameters: {weight: 1}\n")));
        Assert.Contains($"model '{_b}' has model_type \"mistral\" but '{_a}' has \"llama\"", e.Message);
    }

    [Fact]
    public void Run_FailsMidway_LeavesNoOutputDirectory()
    {
        // weight is required for b; the lookup fails at b's first tensor, after the output was started.
        var e = Assert.Throws<ConfigException>(() => Merge(Yaml("linear", "models:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {B}\n")));
        Assert.Contains($"missing required parameter 'weight' for model '{_b}'", e.Message);
        Assert.False(Directory.Exists(_temp.File("out")));
        Assert.False(Directory.Exists(_temp.File("out") + ".partial"));
    }

    [Fact]
    public void Run_DareWithSeed_IsReproducibleAndSeedDependent()
    {
        string other = TinyModelDirectory.Write(_temp.File("other"), Words, seed: 2);
        string yaml = Yaml("dare_ties", $"base_model: {{A}}\nmodels:\n  - model: {other}\n    parameters: {{weight: 1, density: 0.5}}\n");
        byte[] Weights(string dir) => File.ReadAllBytes(Path.Combine(dir, "model.safetensors"));
        var first = Weights(Merge(yaml, "one", seed: 5).Directory);
        Assert.Equal(first, Weights(Merge(yaml, "two", seed: 5).Directory));
        Assert.NotEqual(first, Weights(Merge(yaml, "three", seed: 6).Directory));
    }

    [Fact]
    public void Run_OutputNotEmpty_Refuses()
    {
        Directory.CreateDirectory(_temp.File("out"));
        File.WriteAllText(_temp.File("out/keep.txt"), "mine");
        var e = Assert.Throws<IOException>(() => Merge(Yaml("passthrough", "slices:\n  - sources:\n      - model: {B}\n        layer_range: [0, 2]\n")));
        Assert.Contains("not empty", e.Message);
        Assert.Equal("mine", File.ReadAllText(_temp.File("out/keep.txt")));
    }
}
