using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;

namespace Tsumugi.Cli.Tests;

/// <summary>`model merge-adapter` and `--adapter`: the merged model and base + adapter on the fly answer alike.</summary>
[Collection("cli")]
public sealed class AdapterCommandTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-adapter-cli");
    public void Dispose() => _dir.Dispose();

    string Sub(string name) => Path.Combine(_dir, name);

    /// <summary>A tiny model directory and a random (not no-op) all-linear adapter for it.</summary>
    (string Model, string Adapter) ModelAndAdapter(int layersInAdapterModel = 0)
    {
        string model = TinyModelDirectory.Write(Sub("base"), ["東京は日本の首都です"], seed: 4, contextLength: 128);
        var config = LlamaConfig.Load(model);
        if (layersInAdapterModel > 0) config.NumHiddenLayers = layersInAdapterModel;
        using var m = new LlamaForCausalLM(config);
        m.InitializeWeights(4);
        using var adapter = LoraAdapter.Attach(m, new LoraConfig { Rank = 4, Alpha = 16, TargetModules = [LoraConfig.AllLinear], Init = LoraInit.Random }, seed: 9);
        adapter.Save(Sub("adapter"));
        return (model, Sub("adapter"));
    }

    [Fact]
    public void MergeAdapter_ThenGenerate_MatchesGenerateWithAdapter()
    {
        var (model, adapter) = ModelAndAdapter();
        var merge = SpectreOutput.Run("model", "merge-adapter", "--model", model, "--adapter", adapter, "--output", Sub("merged"));
        Assert.Equal(0, merge.ExitCode);
        Assert.Contains("merged 14 projections (down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj), weights in float32", merge.Out);
        Assert.True(File.Exists(Path.Combine(Sub("merged"), "tokenizer.model")));

        string[] greedy = ["--prompt", "東京は", "--max-tokens", "12", "--temperature", "0"];
        var merged = CliRunner.Run(["generate", "--model", Sub("merged"), .. greedy]);
        var onTheFly = CliRunner.Run(["generate", "--model", model, "--adapter", adapter, .. greedy]);
        Assert.Equal(0, onTheFly.ExitCode);
        Assert.Equal(merged.Out, onTheFly.Out);

        var again = CliRunner.Run("model", "merge-adapter", "--model", model, "--adapter", adapter, "--output", Sub("merged"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("not empty", again.Err);
    }

    [Fact]
    public void Generate_AdapterForOtherModel_FailsNamingTheTensor()
    {
        var (model, adapter) = ModelAndAdapter(layersInAdapterModel: 3);
        var run = CliRunner.Run("generate", "--model", model, "--adapter", adapter, "--prompt", "x");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"error: {Path.Combine(adapter, "adapter_model.safetensors")}: unexpected tensor 'base_model.model.model.layers.2.", run.Err);
    }
}
